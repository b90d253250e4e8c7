import type { RedisClient } from './client.js';
import type { OpenSignal } from './signal.js';

/**
 * How long a reset's key stays, for a replica that was away when it was sent to catch up
 * on. A key that is simply missing is never read as a reset: Redis loses keys on its own (a
 * restart without persistence, an `allkeys-lru` eviction).
 */
export const RESET_KEY_TTL = 24 * 3_600_000;

/**
 * Write a signal into its origin's key unless the key already says more, then publish it:
 * always (`ARGV[7]` 'always', a replica's own new word), or only if it was written ('if-written':
 * a word put back or repeated, which must not spread once Redis holds something newer).
 * What says more, the same rule as `OriginWords`:
 * - a reset undoes what was said before it, and nothing said before a reset the key knows
 *   of (the key's own, or the one its open or isolate names: `since`) gets in;
 * - a word that names a reset said after the key's word undoes the key's word;
 * - then an isolate outweighs any open, and of two opens the one that ends later.
 * A written open or isolate names the latest reset either side knew, and an open that names
 * one keeps its key as long as a reset's (it is how the key remembers the reset). A reset
 * said after the key word's own `since` but before the word becomes its `since`.
 * When the word is not written, the script answers with the key's word (and publishes it
 * too after a new word, so replicas that took the new word learn what Redis holds). When
 * Redis refuses the write (out of memory), a new word is still published, and the script
 * fails, so the sender keeps it to write again.
 * KEYS[1] the key; ARGV: payload, kind, at, from, until (0 if none), PX (0: no expiry), publish, channel, reset TTL, now.
 */
const WRITE_SIGNAL = `local function after(aAt, aFrom, bAt, bFrom)
  return aAt > bAt or (aAt == bAt and aFrom > bFrom)
end
local function named(t)
  if type(t) == 'table' then return tonumber(t['at']) or 0, tostring(t['from']) end
  return 0, ''
end
local payload, kind, at, from = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local px, resetTtl, now = tonumber(ARGV[6]), tonumber(ARGV[9]), tonumber(ARGV[10])
local p = nil
if kind ~= 'reset' then p = cjson.decode(payload) end
local sAt, sFrom = 0, ''
if p then sAt, sFrom = named(p['since']) end
local write = true
local raw = redis.call('GET', KEYS[1])
local ok, c = false, nil
if raw then ok, c = pcall(cjson.decode, raw) end
if ok and type(c) == 'table' then
  local cAt, cFrom = tonumber(c['at']) or 0, tostring(c['from'])
  local rAt, rFrom = 0, ''
  if c['kind'] == 'reset' then rAt, rFrom = cAt, cFrom else rAt, rFrom = named(c['since']) end
  if kind == 'reset' then
    write = after(at, from, cAt, cFrom)
    if not write and c['kind'] ~= 'reset' and after(at, from, rAt, rFrom) then
      c['since'] = { at = at, from = from }
      raw = cjson.encode(c)
      if c['kind'] == 'open' then
        redis.pcall('SET', KEYS[1], raw, 'PX', math.max(redis.call('PTTL', KEYS[1]), math.ceil(at + resetTtl - now)))
      else
        redis.pcall('SET', KEYS[1], raw)
      end
    end
  elseif after(rAt, rFrom, at, from) then write = false
  elseif c['kind'] == 'reset' or after(sAt, sFrom, cAt, cFrom) then write = true
  elseif c['kind'] == 'isolate' then write = kind == 'isolate' and after(at, from, cAt, cFrom)
  elseif kind == 'isolate' then write = true
  else write = tonumber(ARGV[5]) > (tonumber(c['until']) or 0) end
  if write and p and after(rAt, rFrom, sAt, sFrom) then
    sAt, sFrom = rAt, rFrom
    p['since'] = { at = rAt, from = rFrom }
  end
end
if p then
  if kind == 'open' and sAt > 0 then px = math.max(px, math.ceil(sAt + resetTtl - now)) end
  payload = cjson.encode(p)
end
if write then
  local set
  if px > 0 then set = redis.pcall('SET', KEYS[1], payload, 'PX', px) else set = redis.pcall('SET', KEYS[1], payload) end
  if type(set) == 'table' and set['err'] then
    if ARGV[7] == 'always' then redis.call('PUBLISH', ARGV[8], payload) end
    return redis.error_reply(set['err'])
  end
  redis.call('PUBLISH', ARGV[8], payload)
  return 1
end
if ARGV[7] == 'always' then
  redis.call('PUBLISH', ARGV[8], payload)
  if raw then redis.call('PUBLISH', ARGV[8], raw) end
end
return raw or 0`;

/** When a signal's key should expire, in ms from now: an open at its end, a reset after {@link RESET_KEY_TTL}, an isolate never (0). */
function keyTtl(signal: OpenSignal, now: number): number {
  if (signal.kind === 'isolate') return 0;
  const end = signal.kind === 'open' ? signal.until : signal.at + RESET_KEY_TTL;
  return Math.max(1, Math.ceil(end - now));
}

/**
 * Write `signal` into `key` (unless the key says more) and publish it on `channel`, in one
 * script, so no reader sees the message without the key or the key without the message.
 * Resolves with `true` when the key was written, else with the key's own word (its raw
 * value, for the sender to hear: it says more), or `false` when the key held none.
 */
export async function writeSignal(client: RedisClient, key: string, channel: string, signal: OpenSignal, publish: 'always' | 'if-written'): Promise<true | string | false> {
  const until = signal.kind === 'open' ? signal.until : 0;
  const now = Date.now();
  const answer: unknown = await client.eval(WRITE_SIGNAL, 1, key, JSON.stringify(signal), signal.kind, signal.at, signal.from, until, keyTtl(signal, now), publish, channel, RESET_KEY_TTL, now);
  if (answer === 1) return true;
  return typeof answer === 'string' ? answer : false;
}

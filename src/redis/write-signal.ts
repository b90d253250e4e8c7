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
 * What says more, the same rule as {@link OriginWords}: a reset undoes only what was said
 * before it (and is undone only by what was said after it); an isolate outweighs any open;
 * of two opens, the one that ends later.
 * KEYS[1] the key; ARGV: payload, kind, at, from, until (0 if none), PX (0: no expiry), publish, channel.
 */
const WRITE_SIGNAL = `local current = redis.call('GET', KEYS[1])
local write = true
if current then
  local ok, c = pcall(cjson.decode, current)
  if ok and type(c) == 'table' then
    local at, cAt = tonumber(ARGV[3]), tonumber(c['at']) or 0
    local after = at > cAt or (at == cAt and ARGV[4] > tostring(c['from']))
    if ARGV[2] == 'reset' or c['kind'] == 'reset' then write = after
    elseif c['kind'] == 'isolate' then write = ARGV[2] == 'isolate' and after
    elseif ARGV[2] == 'isolate' then write = true
    else write = tonumber(ARGV[5]) > (tonumber(c['until']) or 0) end
  end
end
if write then
  if tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[6]) else redis.call('SET', KEYS[1], ARGV[1]) end
end
if write or ARGV[7] == 'always' then redis.call('PUBLISH', ARGV[8], ARGV[1]) end
return write and 1 or 0`;

/** When a signal's key should expire, in ms from now: an open at its end, a reset after {@link RESET_KEY_TTL}, an isolate never (0). */
function keyTtl(signal: OpenSignal, now: number): number {
  if (signal.kind === 'isolate') return 0;
  const end = signal.kind === 'open' ? signal.until : signal.at + RESET_KEY_TTL;
  return Math.max(1, Math.ceil(end - now));
}

/**
 * Write `signal` into `key` (unless the key says more) and publish it on `channel`, in one
 * script, so no reader sees the message without the key or the key without the message.
 * Resolves with whether the key was written.
 */
export async function writeSignal(client: RedisClient, key: string, channel: string, signal: OpenSignal, publish: 'always' | 'if-written'): Promise<boolean> {
  const until = signal.kind === 'open' ? signal.until : 0;
  const written = await client.eval(WRITE_SIGNAL, 1, key, JSON.stringify(signal), signal.kind, signal.at, signal.from, until, keyTtl(signal, Date.now()), publish, channel);
  return written === 1;
}

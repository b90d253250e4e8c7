import { clientKeyPrefix, type RedisClient } from './client.js';
import { parseSignal, type OpenSignal } from './signal.js';

/** Keys read per SCAN step, and at most this many open or isolated origins learnt on a (re)start. */
const SCAN_COUNT = 100;
const MAX_SYNCED_KEYS = 10_000;
/** Resets' keys and ended opens' (kept a day) do not count toward {@link MAX_SYNCED_KEYS}, but the read stops after this many keys in all. */
const MAX_SCANNED_KEYS = 4 * MAX_SYNCED_KEYS;

/**
 * Every origin's key under `keyPattern`, as signals: what is open, isolated or was reset.
 * SCAN finds the keys a page at a time (never a blocking KEYS), MGET reads each page. Stops
 * early once `stopped()` says so, or after `MAX_SYNCED_KEYS` opens and isolates (so resets
 * cannot crowd them out).
 */
export async function readOpenKeys(client: RedisClient, keyPattern: string, stopped: () => boolean): Promise<OpenSignal[]> {
  // What SCAN returns carries the client's own keyPrefix, which MGET would add a second time.
  const ownPrefixLength = clientKeyPrefix(client).length;
  const found: OpenSignal[] = [];
  let cursor = '0';
  let seen = 0;
  let standing = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', keyPattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    seen += keys.length;
    if (keys.length === 0) continue;
    for (const value of await client.mget(keys.map((key) => key.slice(ownPrefixLength)))) {
      const signal = value === null ? undefined : parseSignal(value);
      if (signal === undefined) continue;
      found.push(signal);
      // An ended open still names its reset (its key lives as long as a reset's): it does not count either.
      if (signal.kind === 'isolate' || (signal.kind === 'open' && signal.until > Date.now())) standing++;
    }
  } while (cursor !== '0' && standing < MAX_SYNCED_KEYS && seen < MAX_SCANNED_KEYS && !stopped());
  return found;
}

/** Of `signals`, those whose origin has no key under `keyPrefix` any more, checked a page of MGET at a time. */
export async function missingKeys(client: RedisClient, keyPrefix: string, signals: readonly OpenSignal[]): Promise<OpenSignal[]> {
  const missing: OpenSignal[] = [];
  for (let start = 0; start < signals.length; start += SCAN_COUNT) {
    const page = signals.slice(start, start + SCAN_COUNT);
    const values = await client.mget(page.map((signal) => keyPrefix + signal.origin));
    values.forEach((value, i) => {
      if (value === null) missing.push(page[i]!);
    });
  }
  return missing;
}

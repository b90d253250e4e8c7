import { clientKeyPrefix, type RedisClient } from './client.js';
import { parseSignal, type OpenSignal } from './signal.js';

/** Keys read per SCAN step, and at most this many origins learnt on a (re)start. */
const SCAN_COUNT = 100;
const MAX_SYNCED_KEYS = 10_000;

/**
 * Every origin's key under `keyPattern`, as signals: what is open or isolated now. SCAN
 * finds the keys a page at a time (never a blocking KEYS), MGET reads each page. Stops
 * early once `stopped()` says so, or after `MAX_SYNCED_KEYS` keys.
 */
export async function readOpenKeys(client: RedisClient, keyPattern: string, stopped: () => boolean): Promise<OpenSignal[]> {
  // What SCAN returns carries the client's own keyPrefix, which MGET would add a second time.
  const ownPrefixLength = clientKeyPrefix(client).length;
  const found: OpenSignal[] = [];
  let cursor = '0';
  let seen = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', keyPattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    seen += keys.length;
    if (keys.length === 0) continue;
    for (const value of await client.mget(keys.map((key) => key.slice(ownPrefixLength)))) {
      const signal = value === null ? undefined : parseSignal(value);
      if (signal !== undefined) found.push(signal);
    }
  } while (cursor !== '0' && seen < MAX_SYNCED_KEYS && !stopped());
  return found;
}

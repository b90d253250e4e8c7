import type { CachedResponse, CacheStore } from '../core/types.js';
import { resolveRedisCacheStoreOptions, type RedisCacheStoreOptions } from './cache-store-options.js';
import { connectIfLazy, isReady } from './client.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';
import { hashedKey } from './hash-key.js';

/** Keys whose last write time is remembered for `writeInterval`. */
const MAX_REMEMBERED_WRITES = 10_000;

/** What a {@link RedisCacheStore} has done since it was created: to watch it, or to alert on it. */
export interface RedisCacheStoreStats {
  /** Lookups Redis answered with an entry. */
  hits: number;
  /** Lookups Redis answered with nothing (or with a value that was not a valid entry). */
  misses: number;
  /** Lookups that ran past `lookupTimeout` and were answered as misses. */
  timeouts: number;
  /** Commands Redis or the connection failed. */
  errors: number;
  /** Lookups and writes skipped because the client was not connected or `maxPending` commands were waiting. */
  skipped: number;
  /** Writes left out because the same key was written less than `writeInterval` ms before. */
  coalesced: number;
  /** Commands waiting for Redis right now. */
  pending: number;
}

/** The {@link CacheStore} `createRedisCacheStore` returns, with its counters. */
export interface RedisCacheStore extends CacheStore {
  /** A copy of the counters. */
  stats(): RedisCacheStoreStats;
}

/**
 * The cached fallback in Redis, shared by every replica: a fresh replica can answer with a
 * response another replica stored. Pass it as the box's `cacheStore`; the box still applies
 * every rule of what may be stored and served (methods, statuses, `no-store`, `private`,
 * `Vary`, credentials partitioning, `maxStale`), and only hands this store what may be kept.
 *
 * - Each entry is one Redis string holding a small binary frame (the body as raw bytes),
 *   under `prefix` + the SHA-256 of the box's key, expiring `ttl` ms after it was stored.
 * - A lookup waits at most `lookupTimeout` ms; then, or on any Redis error, it is a miss.
 * - Writes and deletes are fire-and-forget: they never delay or fail a request. A key is
 *   written at most once per `writeInterval` ms by each replica.
 * - While the client is not connected, nothing is sent (no offline queue builds up) and
 *   lookups are misses at once; ioredis reconnects on its own and the store follows.
 *
 * Size Redis for it (`maxmemory` with `maxmemory-policy allkeys-lru` or `volatile-lru`):
 * the store adds entries and relies on their TTL and Redis's eviction to bound them.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createBreakerBox } from 'breakerbox';
 * import { createRedisCacheStore } from 'breakerbox/redis';
 *
 * const redis = new Redis({ host: '127.0.0.1', commandTimeout: 1_000 });
 * const box = createBreakerBox({
 *   fallback: { cache: { maxStale: 3_600_000 } },
 *   cacheStore: createRedisCacheStore({ client: redis, ttl: 3_600_000 }),
 * });
 * ```
 */
export function createRedisCacheStore(options: RedisCacheStoreOptions): RedisCacheStore {
  const { client, prefix, ttl, lookupTimeout, maxPending, writeInterval } = resolveRedisCacheStoreOptions(options);
  const keyPrefix = `${prefix}cache:`;
  const stats: RedisCacheStoreStats = { hits: 0, misses: 0, timeouts: 0, errors: 0, skipped: 0, coalesced: 0, pending: 0 };
  /** When this store last wrote each key (`Date.now()`); forgotten wholesale past a bound. */
  const written = new Map<string, number>();
  /** Whether `key` was written too recently to write again. */
  const recentlyWritten = (key: string): boolean => {
    const last = written.get(key);
    if (last === undefined || Date.now() - last >= writeInterval) return false;
    stats.coalesced++;
    return true;
  };
  const rememberWrite = (key: string): void => {
    if (writeInterval === 0) return;
    // Bounded: at worst a key is written again early, never missed.
    if (written.size >= MAX_REMEMBERED_WRITES) written.clear();
    written.set(key, Date.now());
  };

  connectIfLazy(client);
  /** Whether a command may be sent now; counts the ones that may not. */
  const canSend = (): boolean => {
    if (isReady(client) && stats.pending < maxPending) return true;
    stats.skipped++;
    return false;
  };

  /** Run one command without anyone waiting on it; a failure only counts. Returns whether it was sent. */
  const fireAndForget = (send: (redisKey: string) => Promise<unknown>, key: string): boolean => {
    if (!canSend()) return false;
    stats.pending++;
    hashedKey(keyPrefix, key)
      .then(send)
      .then(undefined, () => void stats.errors++)
      .finally(() => void stats.pending--);
    return true;
  };

  return {
    get(key) {
      // Not connected: a miss now, without a promise or a timer.
      if (!canSend()) return undefined;
      stats.pending++;
      return new Promise<CachedResponse | undefined>((resolve) => {
        let answered = false;
        const timer = setTimeout(() => {
          answered = true;
          stats.timeouts++;
          resolve(undefined);
        }, lookupTimeout);
        // Waiting for Redis must never keep a process alive.
        (timer as { unref?: () => void }).unref?.();
        hashedKey(keyPrefix, key)
          .then((redisKey) => client.getBuffer(redisKey))
          .then(
            (frame) => {
              const entry = frame === null ? undefined : decodeEntry(frame);
              if (!answered) {
                if (entry === undefined) stats.misses++;
                else stats.hits++;
              }
              return entry;
            },
            () => {
              stats.errors++;
              return undefined;
            },
          )
          .then((entry) => {
            stats.pending--;
            if (answered) return;
            answered = true;
            clearTimeout(timer);
            resolve(entry);
          });
      });
    },
    set(key, entry) {
      if (recentlyWritten(key)) return;
      if (fireAndForget((redisKey) => client.set(redisKey, encodeEntry(entry), 'PX', ttl), key)) rememberWrite(key);
    },
    delete(key) {
      written.delete(key);
      fireAndForget((redisKey) => client.del(redisKey), key);
    },
    stats: () => ({ ...stats }),
  };
}

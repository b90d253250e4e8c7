import { assertInteger, assertKnownKeys, assertObject } from '../core/validate.js';
import { assertClient, type RedisClient } from './client.js';

/**
 * Options of {@link createRedisCacheStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRedisCacheStore } from 'breakerbox/redis';
 *
 * const store = createRedisCacheStore({
 *   client: new Redis({ host: '127.0.0.1', commandTimeout: 1_000, lazyConnect: true }),
 *   prefix: 'shop:breakerbox:',
 *   ttl: 6 * 60 * 60 * 1000,
 *   lookupTimeout: 50,
 * });
 * ```
 */
export interface RedisCacheStoreOptions {
  /** The ioredis client to use. breakerbox never connects, quits or reconfigures it. */
  client: RedisClient;
  /** Prepended to every key, so several services can share one Redis. @default 'breakerbox:' */
  prefix?: string;
  /** Ms an entry is kept in Redis after it was stored (`SET ... PX`). @default 86_400_000 (one day) */
  ttl?: number;
  /**
   * Ms a fallback lookup waits for Redis before it counts as a miss (and the value
   * fallback or the error answers instead). Keep it small: it is added to every refused
   * request when Redis is slow. @default 50
   */
  lookupTimeout?: number;
  /**
   * Commands this store may have waiting for an answer at once. Past it, writes are dropped
   * and lookups are misses, so a Redis that stopped answering cannot grow a queue of
   * pending commands in the process without bound. @default 256
   */
  maxPending?: number;
  /**
   * Ms during which a key this store wrote is not written again: a URL answered a thousand
   * times a second costs Redis one write per interval per replica, not a thousand (a
   * fallback a second older is as good). `0` writes every storable response. @default 1_000
   */
  writeInterval?: number;
}

/** The options after defaults. */
export interface ResolvedRedisCacheStoreOptions {
  client: RedisClient;
  prefix: string;
  ttl: number;
  lookupTimeout: number;
  maxPending: number;
  writeInterval: number;
}

/** Defaults of {@link RedisCacheStoreOptions}. */
export const defaultRedisCacheStoreOptions: { readonly prefix: string; readonly ttl: number; readonly lookupTimeout: number; readonly maxPending: number; readonly writeInterval: number } = Object.freeze({
  prefix: 'breakerbox:',
  ttl: 86_400_000,
  lookupTimeout: 50,
  maxPending: 256,
  writeInterval: 1_000,
});

const KNOWN = ['client', 'prefix', 'ttl', 'lookupTimeout', 'maxPending', 'writeInterval'] as const;
const PATH = 'createRedisCacheStore options';

/** Validate (a TypeError or RangeError naming the option and the value received) and apply defaults. */
export function resolveRedisCacheStoreOptions(options: unknown): ResolvedRedisCacheStoreOptions {
  assertObject(PATH, options);
  assertKnownKeys(PATH, options, KNOWN);
  assertClient(`${PATH}.client`, options['client'], ['getBuffer', 'set', 'del']);
  const { prefix = defaultRedisCacheStoreOptions.prefix, ttl = defaultRedisCacheStoreOptions.ttl } = options as Partial<ResolvedRedisCacheStoreOptions>;
  const { lookupTimeout = defaultRedisCacheStoreOptions.lookupTimeout, maxPending = defaultRedisCacheStoreOptions.maxPending, writeInterval = defaultRedisCacheStoreOptions.writeInterval } = options as Partial<ResolvedRedisCacheStoreOptions>;
  if (typeof prefix !== 'string') throw new TypeError(`${PATH}.prefix must be a string, got ${typeof prefix}`);
  // Redis takes PX as a 64-bit integer; a timer-sized bound keeps the value sane.
  assertInteger(`${PATH}.ttl`, ttl, 1);
  assertInteger(`${PATH}.lookupTimeout`, lookupTimeout, 1);
  if (lookupTimeout > 2_147_483_647) throw new RangeError(`${PATH}.lookupTimeout must be at most 2147483647 ms, got ${lookupTimeout}`);
  assertInteger(`${PATH}.maxPending`, maxPending, 1);
  assertInteger(`${PATH}.writeInterval`, writeInterval, 0);
  return { client: options['client'] as RedisClient, prefix, ttl, lookupTimeout, maxPending, writeInterval };
}

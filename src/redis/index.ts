/**
 * `breakerbox/redis`: many replicas, one view of a dying host. A fallback cache in Redis
 * that every replica reads, and open breakers shared between replicas. Uses the ioredis
 * client you pass in (an optional peer dependency); imports nothing of it at run time.
 * @packageDocumentation
 */
export { createRedisCacheStore, type RedisCacheStore, type RedisCacheStoreStats } from './cache-store.js';
export { defaultRedisCacheStoreOptions, type RedisCacheStoreOptions } from './cache-store-options.js';
export { shareOpenState } from './share-open-state.js';
export type { ShareOpenStateOptions } from './share-options.js';
export type { RedisClient } from './client.js';

import type { CachedResponse, CacheStore } from '../core/types.js';
import { assertInteger } from '../core/validate.js';

/** Options of {@link createMemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most responses kept; the least recently used goes first. @default 1000 */
  maxEntries?: number;
}

/**
 * The default fallback cache: an in-memory LRU bounded by entry count (and, through
 * `cache.maxBodyBytes`, by size per entry).
 *
 * @example
 * ```ts
 * import { createBreakerBox, createMemoryCacheStore } from 'breakerbox';
 *
 * const box = createBreakerBox({
 *   fallback: { cache: true },
 *   cacheStore: createMemoryCacheStore({ maxEntries: 200 }),
 * });
 * ```
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): CacheStore {
  const maxEntries = options.maxEntries ?? 1000;
  assertInteger('createMemoryCacheStore options.maxEntries', maxEntries, 1);
  // A Map iterates in insertion order, so re-inserting on read makes it an LRU.
  const entries = new Map<string, CachedResponse>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry !== undefined) {
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}

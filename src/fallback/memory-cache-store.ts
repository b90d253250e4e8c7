import type { CachedResponse, CacheStore } from '../core/types.js';
import { assertInteger } from '../core/validate.js';
import { entrySize } from './cache-policy.js';

/** Options of {@link createMemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most responses kept; the least recently used goes first. @default 1000 */
  maxEntries?: number;
  /** Most bytes kept, bodies, headers and keys together; the least recently used go first. @default 33_554_432 (32 MiB) */
  maxBytes?: number;
}

/** The default bound of the in-memory store, in bytes. */
export const DEFAULT_CACHE_MAX_BYTES = 33_554_432;

/**
 * The default fallback cache: an in-memory LRU bounded by entry count and by bytes (bodies
 * and headers both count, so many small responses with large headers are bounded too).
 * Synchronous, so a cached fallback is served without a promise hop.
 *
 * @example
 * ```ts
 * import { createBreakerBox, createMemoryCacheStore } from 'breakerbox';
 *
 * const box = createBreakerBox({
 *   fallback: { cache: true },
 *   cacheStore: createMemoryCacheStore({ maxEntries: 200, maxBytes: 8 * 1024 * 1024 }),
 * });
 * ```
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): CacheStore & { readonly size: number; readonly bytes: number } {
  const maxEntries = options.maxEntries ?? 1000;
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  assertInteger('createMemoryCacheStore options.maxEntries', maxEntries, 1);
  assertInteger('createMemoryCacheStore options.maxBytes', maxBytes, 1);
  // A Map iterates in insertion order, so re-inserting on read makes it an LRU.
  const entries = new Map<string, { entry: CachedResponse; size: number }>();
  let bytes = 0;
  const remove = (key: string): void => {
    const held = entries.get(key);
    if (held === undefined) return;
    entries.delete(key);
    bytes -= held.size;
  };
  return {
    get(key) {
      const held = entries.get(key);
      if (held === undefined) return undefined;
      entries.delete(key);
      entries.set(key, held);
      return held.entry;
    },
    set(key, entry) {
      remove(key);
      const size = entrySize(key, entry);
      // One entry larger than the whole store would evict everything else for nothing.
      if (size > maxBytes) return;
      entries.set(key, { entry, size });
      bytes += size;
      while (entries.size > maxEntries || bytes > maxBytes) remove(entries.keys().next().value!);
    },
    delete(key) {
      remove(key);
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}

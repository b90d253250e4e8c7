import type { BodyCollector, CachedResponse, CacheStore, Clock, FallbackResponse } from '../core/types.js';
import type { HeaderPairs } from '../utils/header-pairs.js';
import { type CacheRequest, type CacheRules, cacheKey, entryMatches, getKeyFor, requestAllowsCache, responseIsStorable, toCachedResponse } from './cache-policy.js';

/** A value now, or later from an async store. */
type MaybePromise<T> = T | Promise<T>;

/**
 * The cached fallback: looks answers up and collects responses to store, by the rules of
 * cache-policy.ts, over any {@link CacheStore}, synchronous or not. The in-memory store
 * answers synchronously, and so does the lookup then: no promise on that path.
 */
export class CachedFallback {
  readonly #store: CacheStore;
  readonly #clock: Clock;

  constructor(store: CacheStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** The cached answer to `request`, or `undefined`. A store that fails is a miss, never an error. */
  lookup(request: CacheRequest, rules: CacheRules): MaybePromise<FallbackResponse | undefined> {
    if (!requestAllowsCache(request, rules)) return undefined;
    const key = cacheKey(request, rules);
    if (key === undefined) return undefined;
    if (typeof key !== 'string') return key.then((k) => (k === undefined ? undefined : this.#find(k, request, rules)), () => undefined);
    return this.#find(key, request, rules);
  }

  /** A collector for a successful response's body, or `undefined` when the cache will not keep it. */
  collector(request: CacheRequest, rules: CacheRules, status: number, statusText: string, headers: HeaderPairs): BodyCollector | undefined {
    if (!requestAllowsCache(request, rules) || !responseIsStorable(status, headers, rules)) return undefined;
    const storedAt = this.#clock.now();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let open = true;
    return {
      push: (chunk) => {
        if (!open) return false;
        size += chunk.byteLength;
        if (size > rules.maxBodyBytes) {
          open = false;
          chunks.length = 0;
          return false;
        }
        // Copied: the caller owns the chunk it was handed and may change it.
        chunks.push(chunk.slice());
        return true;
      },
      done: () => {
        if (!open) return;
        open = false;
        this.#save(request, rules, toCachedResponse(status, statusText, headers, request.method === 'HEAD' ? null : concat(chunks, size), request, storedAt));
      },
    };
  }

  #save(request: CacheRequest, rules: CacheRules, entry: CachedResponse): void {
    const key = cacheKey(request, rules);
    if (key === undefined) return;
    if (typeof key === 'string') {
      this.#set(key, entry);
      return;
    }
    key.then((k) => k !== undefined && this.#set(k, entry), () => {});
  }

  #set(key: string, entry: CachedResponse): void {
    try {
      const written = this.#store.set(key, entry);
      // A shared store that fails loses one entry; the caller already has its response.
      if (isPromise(written)) written.catch(() => {});
    } catch {
      // Likewise for a store that throws.
    }
  }

  #find(key: string, request: CacheRequest, rules: CacheRules): MaybePromise<FallbackResponse | undefined> {
    const found = this.#get(key, rules.lookupTimeout);
    const answer = (entry: CachedResponse | undefined): MaybePromise<FallbackResponse | undefined> => {
      if (entry !== undefined && entryMatches(entry, request, this.#clock.now(), rules.maxStale)) return this.#reply(entry, request);
      if (request.method !== 'HEAD') return undefined;
      // A HEAD may be answered from a stored GET, without its body.
      const get = this.#get(getKeyFor(key), rules.lookupTimeout);
      const fromGet = (e: CachedResponse | undefined) => (e !== undefined && entryMatches(e, request, this.#clock.now(), rules.maxStale) ? this.#reply(e, request) : undefined);
      return isPromise(get) ? get.then(fromGet) : fromGet(get);
    };
    return isPromise(found) ? found.then(answer) : answer(found);
  }

  #get(key: string, waitAtMost: number): MaybePromise<CachedResponse | undefined> {
    let found: MaybePromise<CachedResponse | undefined>;
    try {
      found = this.#store.get(key);
    } catch {
      return undefined;
    }
    if (!isPromise(found)) return found;
    if (waitAtMost === Infinity) return found.then(undefined, () => undefined);
    // A shared store that is slow or gone must not hold the caller: past the bound, it is a miss.
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitAtMost);
      found.then(
        (entry) => {
          clearTimeout(timer);
          resolve(entry);
        },
        () => {
          clearTimeout(timer);
          resolve(undefined);
        },
      );
    });
  }

  #reply(entry: CachedResponse, request: CacheRequest): FallbackResponse {
    const age = String(Math.max(0, Math.floor((this.#clock.now() - entry.storedAt) / 1000)));
    const headers: [string, string][] = [...entry.headers, ['age', age], ['x-breakerbox-fallback', 'cache']];
    return { status: entry.status, statusText: entry.statusText, headers, body: request.method === 'HEAD' ? null : entry.body, source: 'cache' };
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

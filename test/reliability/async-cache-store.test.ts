/**
 * Issue 9: a `CacheStore` whose methods return promises (a shared store, like Redis) serves
 * the cached fallback through every adapter; a store that fails is a miss, never an error;
 * and a store that never answers must not hang the caller (its lookup is a miss after
 * `cache.lookupTimeout`).
 *
 * 0.1's store interface was synchronous only: a store returning a promise was taken as a hit
 * whose entry was the promise itself, and a throwing store broke the request.
 */
import axios from 'axios';
import ky from 'ky';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BreakerBox, type CachedResponse, type CacheStore, createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { kyOptions } from '../../src/adapters/ky/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

const later = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Map behind a `setTimeout(0)`: every method answers on a later turn of the event loop. */
function slowMapStore(): CacheStore & { map: Map<string, CachedResponse>; calls: string[] } {
  const map = new Map<string, CachedResponse>();
  const calls: string[] = [];
  return {
    map,
    calls,
    async get(key) {
      calls.push('get');
      await later();
      return map.get(key);
    },
    async set(key, value) {
      calls.push('set');
      await later();
      map.set(key, value);
    },
    async delete(key) {
      calls.push('delete');
      await later();
      map.delete(key);
    },
  };
}

const rejectingStore: CacheStore = {
  get: () => Promise.reject(new Error('store down')),
  set: () => Promise.reject(new Error('store down')),
  delete: () => Promise.reject(new Error('store down')),
};
const throwingStore: CacheStore = {
  get() {
    throw new Error('store broken');
  },
  set() {
    throw new Error('store broken');
  },
  delete() {
    throw new Error('store broken');
  },
};
/** A store that never answers a read (a partitioned Redis without a command timeout). */
const silentStore: CacheStore = {
  get: () => new Promise(() => {}),
  set: () => new Promise(() => {}),
  delete: () => new Promise(() => {}),
};

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  server = await listenLoopback((_req, res, url) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: url.pathname, hit: hits }));
  });
});
afterAll(() => server.close());

/** What a GET ended as, whatever the client. */
type Ended = { status: number; body: { path: string; hit: number } | string; fallback: string | null } | { error: unknown };
type Client = (box: BreakerBox) => (url: string) => Promise<Ended>;

const clients: Record<string, Client> = {
  fetch: (box) => {
    const f = createFetch(box);
    return async (url) => {
      try {
        const response = await f(url);
        return { status: response.status, body: await response.json(), fallback: response.headers.get('x-breakerbox-fallback') };
      } catch (error) {
        return { error };
      }
    };
  },
  ...Object.fromEntries(
    (['http', 'fetch'] as const).map((adapter): [string, Client] => [
      `axios (${adapter} adapter)`,
      (box) => {
        const instance = axios.create({ adapter });
        attachToAxios(box, instance);
        return async (url) => {
          try {
            const response = await instance.get(url);
            return { status: response.status, body: response.data, fallback: (response.headers['x-breakerbox-fallback'] as string | undefined) ?? null };
          } catch (error) {
            return { error };
          }
        };
      },
    ]),
  ),
  ky: (box) => {
    const api = ky.create({ ...kyOptions(box), retry: 0 });
    return async (url) => {
      try {
        const response = await api.get(url);
        return { status: response.status, body: await response.json(), fallback: response.headers.get('x-breakerbox-fallback') };
      } catch (error) {
        return { error };
      }
    };
  },
};

/** Settles with `'still pending'` if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still pending'> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([promise, new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), ms)))]).finally(() => clearTimeout(timer));
}

describe.each(Object.entries(clients))('%s with an async store', (_name, client) => {
  it('a Map behind setTimeout(0) serves the cached fallback while open', async () => {
    const store = slowMapStore();
    const box = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    const get = client(box);
    const path = `/data-${Math.random()}`;
    const first = await get(`${server.origin}${path}`);
    expect(first).toMatchObject({ status: 200, fallback: null });
    // The write is asynchronous: wait until it has landed.
    for (let i = 0; i < 50 && store.map.size === 0; i++) await later(1);
    expect(store.map.size).toBe(1);
    const before = hits;
    box.isolate(server.origin);
    const replay = await get(`${server.origin}${path}`);
    expect(replay).toEqual({ status: 200, body: (first as { body: unknown }).body, fallback: 'cache' });
    expect(hits).toBe(before);
    expect(box.snapshot()[0]).toMatchObject({ fallbacks: 1 });
  });

  it.each([
    ['rejects', rejectingStore],
    ['throws', throwingStore],
  ])('a store that %s is a miss: the value fallback answers, or CircuitOpenError without one', async (_how, store) => {
    const withValue = createBreakerBox({ fallback: { cache: true, value: { status: 200, body: { from: 'value' } } }, cacheStore: store });
    const get = client(withValue);
    expect(await get(`${server.origin}/ok`)).toMatchObject({ status: 200, fallback: null });
    withValue.isolate(server.origin);
    expect(await get(`${server.origin}/ok`)).toMatchObject({ status: 200, body: { from: 'value' }, fallback: 'value' });

    const bare = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    const getBare = client(bare);
    expect(await getBare(`${server.origin}/ok`)).toMatchObject({ status: 200 });
    bare.isolate(server.origin);
    const refused = await getBare(`${server.origin}/ok`);
    expect(isCircuitOpenError((refused as { error?: unknown }).error)).toBe(true);
  });

  it('a store that never answers does not hang the caller: the lookup is a miss after cache.lookupTimeout (default 100 ms)', async () => {
    const box = createBreakerBox({ fallback: { cache: true, value: { status: 200, body: { from: 'value' } } }, cacheStore: silentStore });
    const get = client(box);
    // The write never lands either; the caller has its response at once all the same.
    expect(await within(get(`${server.origin}/ok`), 2_000)).toMatchObject({ status: 200, fallback: null });
    box.isolate(server.origin);
    const started = performance.now();
    expect(await within(get(`${server.origin}/ok`), 2_000)).toMatchObject({ status: 200, fallback: 'value' });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(1_000);
  });

  it('a configured cache.lookupTimeout is how long a silent store is waited for', async () => {
    const box = createBreakerBox({ fallback: { cache: { lookupTimeout: 300 } }, cacheStore: silentStore });
    const get = client(box);
    box.isolate(server.origin);
    const started = performance.now();
    const refused = await within(get(`${server.origin}/ok`), 2_000);
    const waited = performance.now() - started;
    expect(isCircuitOpenError((refused as { error?: unknown }).error)).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_500);
  });
});

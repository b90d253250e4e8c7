import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, createMemoryCacheStore, type BreakerBox, type CacheStore } from '../../src/index.js';
import { outage } from '../../src/testing/msw/index.js';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const FLOOD = 100_000;
const { server, requests } = useMswServer();

/** Let the box's asynchronous cache writes land. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Admit, succeed and offer a response for `url`, through the two-step guard (no network: 100,000 of these must be quick). */
function succeed(box: BreakerBox, url: string): void {
  const permit = box.admit(url);
  if (!permit.allowed) throw new Error(`unexpectedly refused: ${url}`);
  permit.record({ kind: 'response', status: 200, headers: {} });
  permit.storeResponse({ status: 200, headers: { 'content-type': 'text/plain' }, body: url });
}

function fail(box: BreakerBox, url: string): void {
  const permit = box.admit(url);
  if (permit.allowed) permit.record({ kind: 'network', code: 'ECONNREFUSED' });
}

describe('fallback cache under 100,000 distinct URLs', () => {
  it('never holds more entries than its store allows', async () => {
    let largest = 0;
    const inner = createMemoryCacheStore({ maxEntries: 500 });
    const store: CacheStore & { readonly size: number } = {
      get: (key) => inner.get(key),
      set(key, value) {
        inner.set(key, value);
        largest = Math.max(largest, inner.size);
      },
      delete: (key) => inner.delete(key),
      get size() {
        return inner.size;
      },
    };
    const box = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    for (let i = 0; i < FLOOD; i++) {
      succeed(box, `${API}/items/${i}?q=${i}`);
      if (i % 5_000 === 0) await settle();
    }
    await settle();
    expect(store.size).toBe(500);
    expect(largest).toBe(500);
  });

  it('forgets the oldest URLs and still serves the newest when the default store overflows', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache: true }, clock: createManualClock() });
    for (let i = 0; i < FLOOD; i++) {
      succeed(box, `${API}/items/${i}`);
      if (i % 5_000 === 0) await settle();
    }
    await settle();
    fail(box, `${API}/trip`);
    expect(box.state(API)).toBe('open');
    const oldest = box.admit(`${API}/items/0`);
    const newest = box.admit(`${API}/items/${FLOOD - 1}`);
    expect(oldest.allowed || newest.allowed).toBe(false);
    expect(await oldest.fallback()).toBeUndefined();
    expect((await newest.fallback())?.source).toBe('cache');
  });
});

describe('registry under 100,000 distinct origins', () => {
  it('keeps at most maxOrigins breakers and keeps the open and isolated ones when the flood is healthy', () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, maxOrigins: 1_000, clock: createManualClock() });
    fail(box, 'https://down.example.test/');
    box.isolate('https://quarantined.example.test');
    for (let i = 0; i < FLOOD; i++) succeed(box, `https://h${i}.example.test/`);
    expect(box.snapshot().length).toBeLessThanOrEqual(1_000);
    expect(box.state('https://down.example.test')).toBe('open');
    expect(box.state('https://quarantined.example.test')).toBe('isolated');
  });

  it('keeps at most maxOrigins breakers when every origin of the flood fails', () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, maxOrigins: 1_000, clock: createManualClock() });
    box.isolate('https://quarantined.example.test');
    for (let i = 0; i < FLOOD; i++) fail(box, `https://h${i}.example.test/`);
    const snapshot = box.snapshot();
    expect(snapshot.length).toBeLessThanOrEqual(1_000);
    expect(snapshot.filter((s) => s.state === 'open').length).toBeGreaterThan(900);
    expect(box.state('https://quarantined.example.test')).toBe('isolated');
  });

  it('keeps the default bound of 1000 when maxOrigins is not set', () => {
    const box = createBreakerBox();
    for (let i = 0; i < 5_000; i++) succeed(box, `https://h${i}.example.test/`);
    expect(box.snapshot().length).toBeLessThanOrEqual(1_000);
  });
});

describe('hostile Retry-After', () => {
  const open = { openDuration: 10_000, maxOpenDuration: 120_000 };

  /** One 503 carrying `Retry-After: value`, through createFetch and MSW. */
  async function retryAfterOf(value: number | string, breaker: { failureThreshold?: number } = {}): Promise<{ box: BreakerBox; fetch: typeof globalThis.fetch; clock: ManualClock }> {
    server.use(outage.status(API, 503, { retryAfter: value }));
    const clock = createManualClock();
    const box = createBreakerBox({ breaker: { ...open, ...breaker }, clock });
    const fetch = createFetch(box) as typeof globalThis.fetch;
    await (await fetch(`${API}/x`)).arrayBuffer();
    return { box, fetch, clock };
  }

  it('caps Retry-After: 999999999 at maxOpenDuration', async () => {
    const { box } = await retryAfterOf(999_999_999);
    expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 120_000 });
  });

  it('caps a 400-digit Retry-After at maxOpenDuration', async () => {
    const { box } = await retryAfterOf('9'.repeat(400));
    expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 120_000 });
  });

  it('caps an HTTP-date decades ahead at maxOpenDuration', async () => {
    const { box } = await retryAfterOf('Fri, 01 Jan 2100 00:00:00 GMT');
    expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 120_000 });
  });

  it('pauses for exactly a tiny Retry-After, not openDuration', async () => {
    const { box } = await retryAfterOf(2, { failureThreshold: 5 });
    expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 2_000 });
  });

  it('counts Retry-After: 0 as a plain failure', async () => {
    const { box } = await retryAfterOf(0, { failureThreshold: 5 });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', failures: 1 });
  });

  for (const malformed of ['-1', '1.5', 'soon', '', '0x10', '1e3', 'Infinity', 'Mon, 99 Foo 2020 25:61:00 GMT', '10, 20', 'Tue', 'Sun Nov 06 1994 08:49:37 GMT'] as const) {
    it(`ignores Retry-After ${JSON.stringify(malformed.slice(0, 20))} and counts a plain failure`, async () => {
      const { box, fetch } = await retryAfterOf(malformed, { failureThreshold: 2 });
      expect(box.state(API)).toBe('closed');
      await (await fetch(`${API}/x`)).arrayBuffer();
      expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 10_000 });
      expect(requests.get(API)).toBe(2);
    });
  }

  it('admits the next request exactly when the capped time ends, and sends nothing before', async () => {
    const { box, fetch, clock } = await retryAfterOf(999_999_999);
    server.resetHandlers(http.get(`${API}/*`, () => HttpResponse.text('back')));
    clock.advance(120_000 - 1);
    await expect(fetch(`${API}/x`)).rejects.toThrow(expect.objectContaining({ name: 'CircuitOpenError', retryAfter: 1 }));
    expect(requests.get(API)).toBe(1);
    clock.advance(1);
    expect(await (await fetch(`${API}/x`)).text()).toBe('back');
    expect(requests.get(API)).toBe(2);
    expect(box.state(API)).toBe('closed');
  });
});

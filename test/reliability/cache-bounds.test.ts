/**
 * Issue 9: the cached fallback is bounded in bytes, bodies and headers both, and a write
 * lands as soon as the body has been read.
 *
 * 0.1 bounded the store by entry count only (1000): 1,000 GETs of 1 MiB kept about 1.1 GiB
 * resident with defaults, and headers were not counted at all. With an in-memory transport
 * that answers without yielding to the event loop, 0.1's cache writes piled up (about 3.7 KB
 * per request) until the loop yielded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox, createMemoryCacheStore, isCircuitOpenError } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** 64 KiB, 128 KiB, ... 1 MiB (the default `maxBodyBytes`, so every one is storable). */
const sizeOf = (i: number): number => (1 + (i % 16)) * 64 * KiB;
const BIG_HEADER = 'h'.repeat(8 * KiB);
const payload = Buffer.alloc(MiB, 'b');

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  server = await listenLoopback((_req: IncomingMessage, res: ServerResponse, url: URL) => {
    hits++;
    const size = Number(url.searchParams.get('size') ?? '2');
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
    if (url.searchParams.has('bigHeader')) headers['x-big'] = BIG_HEADER;
    res.writeHead(200, headers);
    res.end(payload.subarray(0, size));
  });
});
afterAll(() => server.close());

/** Peak RSS and array buffers while `work` runs, sampled every few ms. */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; rss: number; arrayBuffers: number }> {
  let rss = 0;
  let arrayBuffers = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    arrayBuffers = Math.max(arrayBuffers, usage.arrayBuffers);
  };
  const sampler = setInterval(sample, 5);
  try {
    const result = await work();
    sample();
    return { result, rss, arrayBuffers };
  } finally {
    clearInterval(sampler);
  }
}

describe('a byte-bounded cache under 1,000 large distinct GETs', () => {
  // The configured bound runs 300 GETs (160 MiB), already 20 times its bound, to keep the file short.
  it.each([
    ['the default 32 MiB', undefined, 1_000],
    ['a configured 8 MiB', 8 * MiB, 300],
  ])('%s maxBytes keeps the store under its bound; the newest entries still answer when open, the oldest are gone', async (_label, maxBytes, count) => {
    const store = maxBytes === undefined ? createMemoryCacheStore() : createMemoryCacheStore({ maxBytes });
    const bound = maxBytes ?? 32 * MiB;
    const box = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    const resilientFetch = createFetch(box);
    const before = hits;
    let peakStoreBytes = 0;
    let transferred = 0;
    const { rss, arrayBuffers } = await peakMemory(async () => {
      for (let i = 0; i < count; i++) {
        const body = await (await resilientFetch(`${server.origin}/file/${i}?size=${sizeOf(i)}`)).arrayBuffer();
        transferred += body.byteLength;
        peakStoreBytes = Math.max(peakStoreBytes, store.bytes);
      }
    });
    console.log(
      `maxBytes ${bound / MiB} MiB: ${(transferred / MiB).toFixed(0)} MiB transferred in ${count} GETs; store peak ${(peakStoreBytes / MiB).toFixed(2)} MiB in ${store.size} entries; ` +
        `process peak RSS ${(rss / MiB).toFixed(0)} MiB (lifetime maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB), peak arrayBuffers ${(arrayBuffers / MiB).toFixed(0)} MiB`,
    );
    expect(hits - before).toBe(count);
    expect(peakStoreBytes).toBeLessThanOrEqual(bound);
    // The store was really used, up to its bound: the check above is not met by storing nothing.
    expect(peakStoreBytes).toBeGreaterThan(bound / 2);
    // What the process holds stays near the store's bound, not near the hundreds of MiB transferred.
    expect(arrayBuffers).toBeLessThan(bound + 160 * MiB);

    box.isolate(server.origin);
    const last = count - 1;
    const newest = await resilientFetch(`${server.origin}/file/${last}?size=${sizeOf(last)}`);
    expect(newest.headers.get('x-breakerbox-fallback')).toBe('cache');
    expect((await newest.arrayBuffer()).byteLength).toBe(sizeOf(last));
    const oldest = await resilientFetch(`${server.origin}/file/0?size=${sizeOf(0)}`).catch((error: unknown) => error);
    expect(isCircuitOpenError(oldest)).toBe(true);
    expect(hits - before).toBe(count);
  }, 120_000);

  it('counts headers: 1,000 tiny bodies with an 8 KiB header stay under a 1 MiB maxBytes', async () => {
    const maxBytes = MiB;
    const store = createMemoryCacheStore({ maxBytes, maxEntries: 10_000 });
    const box = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    const resilientFetch = createFetch(box);
    let peakStoreBytes = 0;
    for (let i = 0; i < 1_000; i++) {
      await (await resilientFetch(`${server.origin}/small/${i}?size=2&bigHeader`)).text();
      peakStoreBytes = Math.max(peakStoreBytes, store.bytes);
    }
    console.log(`big headers: store peak ${(peakStoreBytes / KiB).toFixed(0)} KiB in ${store.size} entries (bound ${maxBytes / KiB} KiB)`);
    expect(peakStoreBytes).toBeLessThanOrEqual(maxBytes);
    // Counted by bodies alone (2 bytes each) all 1,000 would fit; only counting headers bounds them.
    expect(store.size).toBeLessThanOrEqual(Math.floor(maxBytes / BIG_HEADER.length));
    expect(store.size).toBeGreaterThan(100);
    box.isolate(server.origin);
    const replay = await resilientFetch(`${server.origin}/small/999?size=2&bigHeader`);
    expect(replay.headers.get('x-big')).toBe(BIG_HEADER);
  }, 60_000);
});

describe('a transport that answers without yielding', () => {
  it('each response is in the store as soon as its body was read: no writes pile up', async () => {
    const store = createMemoryCacheStore({ maxEntries: 5_000 });
    const box = createBreakerBox({ fallback: { cache: true }, cacheStore: store });
    let sent = 0;
    // Already resolved: nothing in the request path waits for the event loop.
    const syncFetch = (): Promise<Response> => {
      sent++;
      return Promise.resolve(new Response(`body ${sent}`, { headers: { 'content-type': 'text/plain' } }));
    };
    const resilientFetch = createFetch(box, { fetch: syncFetch });
    for (let i = 0; i < 2_000; i++) {
      const text = await (await resilientFetch(`http://sync.test/item/${i}`)).text();
      expect(text).toBe(`body ${i + 1}`);
      // Checked before any turn of the event loop.
      expect(store.size).toBe(i + 1);
    }
    box.isolate('http://sync.test');
    const replay = await resilientFetch('http://sync.test/item/1999');
    expect(await replay.text()).toBe('body 2000');
    expect(sent).toBe(2_000);
  });
});

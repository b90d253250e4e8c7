/**
 * Issue 9: fetch's own cache mode `'no-store'` (on the init, or on a `Request`) keeps a
 * response out of the cached fallback, both ways: it is never stored, and never answered
 * from what another request stored.
 *
 * 0.1 read only the `Cache-Control` header: `fetch(url, { cache: 'no-store' })` was stored
 * and replayed as the fallback when the origin opened.
 */
import ky from 'ky';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BreakerBox, createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { kyOptions } from '../../src/adapters/ky/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  server = await listenLoopback((_req, res, url) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`fresh ${url.pathname} #${hits}`);
  });
});
afterAll(() => server.close());

/** One way to GET through the box, with or without `cache: 'no-store'`; resolves to the body, or the error. */
type Get = (box: BreakerBox, url: string, noStore: boolean) => Promise<{ body: string; fallback: string | null } | unknown>;

const clients: Record<string, Get> = {
  'fetch, init.cache': async (box, url, noStore) => {
    const response = await createFetch(box)(url, noStore ? { cache: 'no-store' } : {});
    return { body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
  },
  'fetch, Request.cache': async (box, url, noStore) => {
    const response = await createFetch(box)(new Request(url, noStore ? { cache: 'no-store' } : {}));
    return { body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
  },
  'ky, cache option': async (box, url, noStore) => {
    const api = ky.create({ ...kyOptions(box), retry: 0 });
    const response = await api.get(url, noStore ? { cache: 'no-store' } : {});
    return { body: await response.text(), fallback: response.headers.get('x-breakerbox-fallback') };
  },
};

describe.each(Object.entries(clients))('%s', (_name, get) => {
  let box: BreakerBox;
  beforeEach(() => {
    box = createBreakerBox({ fallback: { cache: true } });
  });
  const call = (url: string, noStore: boolean): Promise<unknown> => get(box, url, noStore).catch((error: unknown) => error);

  it("a 'no-store' response is not stored: once the origin is open, nothing answers for it", async () => {
    const url = `${server.origin}/no-store-${Math.random()}`;
    const before = hits;
    expect(await call(url, true)).toMatchObject({ fallback: null });
    box.isolate(server.origin);
    expect(isCircuitOpenError(await call(url, false))).toBe(true);
    expect(hits - before).toBe(1);
  });

  it("a 'no-store' request is not answered from the cache another request filled", async () => {
    const url = `${server.origin}/kept-${Math.random()}`;
    const before = hits;
    const stored = await call(url, false);
    expect(stored).toMatchObject({ fallback: null });
    box.isolate(server.origin);
    expect(isCircuitOpenError(await call(url, true))).toBe(true);
    // The same request without the mode does get the fallback: the cache did hold it.
    expect(await call(url, false)).toEqual({ body: (stored as { body: string }).body, fallback: 'cache' });
    expect(hits - before).toBe(1);
  });
});

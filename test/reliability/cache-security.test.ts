import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createBreakerBox, type BreakerBox, type CacheFallbackOptions } from '../../src/index.js';
import { outage } from '../../src/testing/msw/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { headerClientDrivers, type Answer, type HeaderClient } from './helpers/header-clients.js';
import { useMswServer } from '../helpers/msw-server.js';

/**
 * The cached fallback must never hand one caller's response to another: not across
 * credentials, origins or methods, and never a response that said `no-store`. Run
 * through every adapter, since an adapter that forgot to pass the request headers to
 * the box would leak exactly here.
 */

const A = 'https://a.example.test';
const B = 'https://b.example.test';
const { server, requests } = useMswServer(
  // Echoes who asked, so a leak shows up as someone else's name.
  http.all(`${A}/*`, ({ request }) => {
    const path = new URL(request.url).pathname;
    const who = path === '/vary' ? request.headers.get('accept-language') : (request.headers.get('authorization') ?? request.headers.get('cookie') ?? 'anonymous');
    const headers: Record<string, string> = {};
    if (path === '/no-store') headers['cache-control'] = 'private, no-store';
    if (path === '/vary') headers.vary = 'Accept-Language';
    return HttpResponse.text(`${request.method} ${path} for ${who}`, { headers });
  }),
  http.all(`${B}/*`, ({ request }) => HttpResponse.text(`b ${new URL(request.url).pathname}`)),
);

/** Cache writes read the body copy asynchronously; give them a moment to land. */
const cacheWritten = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

interface Setup {
  box: BreakerBox;
  client: HeaderClient;
}

async function withClient(create: (box: BreakerBox) => HeaderClient, cache: true | CacheFallbackOptions, body: (setup: Setup) => Promise<void>): Promise<void> {
  const box = createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache }, clock: createManualClock() });
  const client = create(box);
  try {
    await body({ box, client });
  } finally {
    client.dispose();
  }
}

/** Open the origin's breaker with one network failure, then check it sends nothing more. */
async function trip({ box, client }: Setup, origin: string): Promise<void> {
  server.use(outage.network(origin));
  const failed = await client.request('GET', `${origin}/trip`);
  expect(failed.kind).toBe('error');
  expect(box.state(origin)).toBe('open');
  server.resetHandlers();
}

const fromCache = (answer: Answer): string | undefined => (answer.kind === 'response' && answer.fallback === 'cache' ? answer.body : undefined);

for (const driver of headerClientDrivers) {
  describe(`cached fallback security through ${driver.name}`, () => {
    it('serves a private response only to the same Authorization when cache.private is on', async () => {
      await withClient(driver.create, { private: true }, async (setup) => {
        expect(await setup.client.request('GET', `${A}/me`, { authorization: 'Bearer alice' })).toMatchObject({ body: 'GET /me for Bearer alice' });
        await cacheWritten();
        await trip(setup, A);
        const before = requests.get(A);
        expect(await setup.client.request('GET', `${A}/me`, { authorization: 'Bearer bob' })).toEqual({ kind: 'open' });
        expect(await setup.client.request('GET', `${A}/me`)).toEqual({ kind: 'open' });
        expect(fromCache(await setup.client.request('GET', `${A}/me`, { authorization: 'Bearer alice' }))).toBe('GET /me for Bearer alice');
        expect(requests.get(A)).toBe(before);
      });
    });

    it('serves a cookie-bound response only to the same Cookie when cache.private is on', async () => {
      await withClient(driver.create, { private: true }, async (setup) => {
        await setup.client.request('GET', `${A}/me`, { cookie: 'sid=alice' });
        await cacheWritten();
        await trip(setup, A);
        expect(await setup.client.request('GET', `${A}/me`, { cookie: 'sid=bob' })).toEqual({ kind: 'open' });
        expect(fromCache(await setup.client.request('GET', `${A}/me`, { cookie: 'sid=alice' }))).toBe('GET /me for sid=alice');
      });
    });

    it('never stores a response to a request with credentials when cache.private is off', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/me`, { authorization: 'Bearer alice' });
        await setup.client.request('GET', `${A}/public`);
        await cacheWritten();
        await trip(setup, A);
        expect(await setup.client.request('GET', `${A}/me`, { authorization: 'Bearer alice' })).toEqual({ kind: 'open' });
        expect(await setup.client.request('GET', `${A}/me`)).toEqual({ kind: 'open' });
        // The control: the cache works, it just never kept the credentialed response.
        expect(fromCache(await setup.client.request('GET', `${A}/public`))).toBe('GET /public for anonymous');
      });
    });

    it('never serves one origin the cached response of another for the same path', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/data`);
        await cacheWritten();
        await trip(setup, B);
        expect(await setup.client.request('GET', `${B}/data`)).toEqual({ kind: 'open' });
        expect(requests.get(B)).toBe(1);
        await trip(setup, A);
        expect(fromCache(await setup.client.request('GET', `${A}/data`))).toBe('GET /data for anonymous');
      });
    });

    it('never serves a cached GET to a POST, PUT, PATCH or DELETE', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/data`);
        await cacheWritten();
        await trip(setup, A);
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          expect(await setup.client.request(method, `${A}/data`), method).toEqual({ kind: 'open' });
        }
        expect(fromCache(await setup.client.request('GET', `${A}/data`))).toBe('GET /data for anonymous');
      });
    });

    it('never serves a response that said no-store', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/no-store`);
        await setup.client.request('GET', `${A}/public`);
        await cacheWritten();
        await trip(setup, A);
        expect(await setup.client.request('GET', `${A}/no-store`)).toEqual({ kind: 'open' });
        expect(fromCache(await setup.client.request('GET', `${A}/public`))).toBe('GET /public for anonymous');
      });
    });

    it('neither stores nor serves for a request that said no-store', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/private`, { 'cache-control': 'no-store' });
        await setup.client.request('GET', `${A}/shared`);
        await cacheWritten();
        await trip(setup, A);
        expect(await setup.client.request('GET', `${A}/private`)).toEqual({ kind: 'open' });
        expect(await setup.client.request('GET', `${A}/shared`, { 'cache-control': 'no-store' })).toEqual({ kind: 'open' });
        expect(fromCache(await setup.client.request('GET', `${A}/shared`))).toBe('GET /shared for anonymous');
      });
    });

    it('serves a Vary response only when the varied request header matches', async () => {
      await withClient(driver.create, true, async (setup) => {
        await setup.client.request('GET', `${A}/vary`, { 'accept-language': 'en' });
        await cacheWritten();
        await trip(setup, A);
        expect(await setup.client.request('GET', `${A}/vary`, { 'accept-language': 'de' })).toEqual({ kind: 'open' });
        expect(fromCache(await setup.client.request('GET', `${A}/vary`, { 'accept-language': 'en' }))).toBe('GET /vary for en');
      });
    });
  });
}

describe('cached fallback headers', () => {
  it('never replays Set-Cookie from the stored response (a private cache keeps such a response)', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache: { private: true } }, clock: createManualClock() });
    const first = box.admit(`${A}/session`);
    if (!first.allowed) throw new Error('refused');
    first.record({ kind: 'response', status: 200 });
    first.storeResponse({ status: 200, headers: { 'set-cookie': 'sid=alice', 'content-type': 'text/plain' }, body: 'hello' });
    await cacheWritten();
    const trip = box.admit(`${A}/trip`);
    if (trip.allowed) trip.record({ kind: 'network' });
    const fallback = await box.admit(`${A}/session`).fallback();
    expect(fallback?.source).toBe('cache');
    expect(fallback?.headers.map(([name]) => name)).not.toContain('set-cookie');
  });
});

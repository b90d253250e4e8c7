import { describe, expect, it, vi } from 'vitest';
import { ORIGIN, serverError, testBox, type TestBox } from '../core/test-support.js';
import type { AdmitRequest, BreakerBoxOptions, FallbackResponse, StorableResponse } from '../core/types.js';

const URL_USERS = `${ORIGIN}/users`;
const text = (response: FallbackResponse | undefined) => (response?.body ? new TextDecoder().decode(response.body) : null);
const header = (response: FallbackResponse | undefined, name: string) => response?.headers.find(([key]) => key === name)?.[1];

/** Admit, record a 200 and offer it to the cache, then let the asynchronous store finish. */
async function storeOk(t: TestBox, url: string, response: Partial<StorableResponse> = {}, request: AdmitRequest = {}) {
  const permit = t.box.admit(url, request);
  if (!permit.allowed) throw new Error('refused');
  permit.record({ kind: 'response', status: response.status ?? 200 });
  permit.storeResponse({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"cached":true}', ...response });
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function openBox(options: BreakerBoxOptions): TestBox {
  return testBox({ breaker: { failureThreshold: 1, openDuration: 60_000 }, ...options });
}

async function fallbackFor(t: TestBox, url: string, request: AdmitRequest = {}) {
  const permit = t.box.admit(url, request);
  if (permit.allowed) throw new Error('admitted');
  return permit.fallback();
}

describe('cached fallback', () => {
  it('replays the last good response with its age and marker header', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    t.advance(42_500);
    const fallback = await fallbackFor(t, URL_USERS);
    expect(fallback).toMatchObject({ status: 200, source: 'cache' });
    expect(text(fallback)).toBe('{"cached":true}');
    expect(header(fallback, 'age')).toBe('42');
    expect(header(fallback, 'x-breakerbox-fallback')).toBe('cache');
    expect(header(fallback, 'content-type')).toBe('application/json');
  });

  it('replays the same entry any number of times', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    for (let i = 0; i < 3; i++) expect(text(await fallbackFor(t, URL_USERS))).toBe('{"cached":true}');
    expect(t.box.snapshot()[0]).toMatchObject({ fallbacks: 3, rejected: 3 });
  });

  it('misses for another URL, method or origin', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    t.fail(1, 'https://other.example.com/users');
    expect(await fallbackFor(t, `${ORIGIN}/users?page=2`)).toBeUndefined();
    expect(await fallbackFor(t, URL_USERS, { method: 'POST' })).toBeUndefined();
    expect(await fallbackFor(t, 'https://other.example.com/users')).toBeUndefined();
  });

  it('ignores the fragment of the URL', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, `${URL_USERS}#a`);
    t.fail(1, URL_USERS);
    expect((await fallbackFor(t, `${URL_USERS}#b`))?.source).toBe('cache');
  });

  it('answers a HEAD from a stored GET, without the body', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    const fallback = await fallbackFor(t, URL_USERS, { method: 'HEAD' });
    expect(fallback).toMatchObject({ status: 200, body: null, source: 'cache' });
  });

  it.each([
    ['a non-2xx response', { status: 304 }],
    ['a partial (206) response', { status: 206 }],
    ['a no-store response', { headers: { 'cache-control': 'private, no-store' } }],
    ['a Vary: * response', { headers: { vary: '*' } }],
    ['a body over maxBodyBytes by content-length', { headers: { 'content-length': '5000' } }],
    ['a body over maxBodyBytes', { body: 'x'.repeat(2_000) }],
  ])('never stores %s', async (_, response) => {
    const t = openBox({ fallback: { cache: { maxBodyBytes: 1_000 } } });
    await storeOk(t, URL_USERS, response);
    t.fail(1, URL_USERS);
    expect(await fallbackFor(t, URL_USERS)).toBeUndefined();
  });

  it('never stores the answer to a no-store request', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS, {}, { headers: { 'Cache-Control': 'no-store' } });
    t.fail(1, URL_USERS);
    expect(await fallbackFor(t, URL_USERS)).toBeUndefined();
  });

  it('never stores a response to a credentialed request unless cache.private', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS, {}, { headers: { authorization: 'Bearer a' } });
    await storeOk(t, URL_USERS, {}, { headers: { cookie: 'sid=1' } });
    t.fail(1, URL_USERS);
    expect(await fallbackFor(t, URL_USERS)).toBeUndefined();
    expect(await fallbackFor(t, URL_USERS, { headers: { authorization: 'Bearer a' } })).toBeUndefined();
  });

  it('serves a private entry to the same credentials only', async () => {
    const t = openBox({ fallback: { cache: { private: true } } });
    await storeOk(t, URL_USERS, { body: 'alice' }, { headers: { authorization: 'Bearer alice' } });
    t.fail(1, URL_USERS);
    expect(text(await fallbackFor(t, URL_USERS, { headers: { authorization: 'Bearer alice' } }))).toBe('alice');
    expect(await fallbackFor(t, URL_USERS, { headers: { authorization: 'Bearer bob' } })).toBeUndefined();
    expect(await fallbackFor(t, URL_USERS)).toBeUndefined();
    expect(await fallbackFor(t, URL_USERS, { headers: { authorization: 'Bearer alice', cookie: 'x=1' } })).toBeUndefined();
  });

  it('matches the request headers named by Vary', async () => {
    const t = openBox({ fallback: { cache: true } });
    await storeOk(t, URL_USERS, { headers: { vary: 'Accept-Language' } }, { headers: { 'accept-language': 'fr' } });
    t.fail(1, URL_USERS);
    expect(await fallbackFor(t, URL_USERS, { headers: { 'Accept-Language': 'en' } })).toBeUndefined();
    expect((await fallbackFor(t, URL_USERS, { headers: { 'Accept-Language': 'fr' } }))?.source).toBe('cache');
  });

  it('does not serve an entry older than maxStale', async () => {
    const t = openBox({ fallback: { cache: { maxStale: 10_000 } } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    t.advance(10_000);
    expect(await fallbackFor(t, URL_USERS)).toBeDefined();
    t.advance(1);
    expect(await fallbackFor(t, URL_USERS)).toBeUndefined();
  });

  it('drops transfer headers and cookies from the replay, and carries a stored Age forward', async () => {
    // A response that sets a cookie is one user's: only a private cache keeps it.
    const t = openBox({ fallback: { cache: { private: true } } });
    await storeOk(t, URL_USERS, { headers: { 'content-encoding': 'gzip', 'content-length': '15', 'set-cookie': 'sid=1', age: '100', etag: '"v1"' } });
    t.fail(1, URL_USERS);
    const fallback = await fallbackFor(t, URL_USERS);
    const names = fallback?.headers.map(([name]) => name);
    expect(names).not.toContain('content-encoding');
    expect(names).not.toContain('content-length');
    expect(names).not.toContain('set-cookie');
    expect(header(fallback, 'etag')).toBe('"v1"');
    expect(header(fallback, 'age')).toBe('100');
  });

  it('does not read the body of a response it will not store', async () => {
    const t = openBox({ fallback: { cache: true } });
    const body = vi.fn(() => 'x');
    await storeOk(t, URL_USERS, { headers: { 'cache-control': 'no-store' }, body });
    expect(body).not.toHaveBeenCalled();
  });

  it('stays within the store bound for many distinct URLs', async () => {
    const t = openBox({ fallback: { cache: true } });
    for (let i = 0; i < 2_000; i++) {
      const permit = t.box.admit(`${ORIGIN}/item/${i}`);
      if (permit.allowed) permit.storeResponse({ status: 200, headers: {}, body: 'x' });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    t.fail(1, ORIGIN);
    expect(await fallbackFor(t, `${ORIGIN}/item/0`)).toBeUndefined(); // evicted (LRU of 1000)
    expect((await fallbackFor(t, `${ORIGIN}/item/1999`))?.source).toBe('cache');
  });
});

describe('value fallback', () => {
  it('answers with a static value, objects as JSON', async () => {
    const t = openBox({ fallback: { value: { status: 503, headers: { 'Retry-After': '30' }, body: { queued: true } } } });
    t.fail(1, URL_USERS);
    const fallback = await fallbackFor(t, URL_USERS, { method: 'POST' });
    expect(fallback).toMatchObject({ status: 503, source: 'value' });
    expect(text(fallback)).toBe('{"queued":true}');
    expect(header(fallback, 'content-type')).toBe('application/json');
    expect(header(fallback, 'retry-after')).toBe('30');
    expect(header(fallback, 'x-breakerbox-fallback')).toBe('value');
  });

  it('sends strings as text and keeps a given content-type', async () => {
    const t = openBox({ hosts: { [ORIGIN]: { fallback: { value: { body: '<p>down</p>', headers: { 'Content-Type': 'text/html' } } } } } });
    t.fail(1, URL_USERS);
    const fallback = await fallbackFor(t, URL_USERS);
    expect(text(fallback)).toBe('<p>down</p>');
    expect(header(fallback, 'content-type')).toBe('text/html');
    expect(fallback?.status).toBe(200);
  });

  it('calls a value function with the request and the reason, and lets it decline', async () => {
    const value = vi.fn((ctx: { method: string }) => (ctx.method === 'GET' ? { body: 'default' } : undefined));
    const t = openBox({ fallback: { value } });
    t.fail(1, URL_USERS);
    expect(text(await fallbackFor(t, URL_USERS))).toBe('default');
    expect(await fallbackFor(t, URL_USERS, { method: 'DELETE' })).toBeUndefined();
    expect(value).toHaveBeenCalledWith({ origin: ORIGIN, method: 'GET', url: URL_USERS, reason: 'open', state: 'open' });
  });

  it('rejects a bad value returned by a function with a clear error', async () => {
    const t = openBox({ fallback: { value: async () => ({ status: 42 }) } });
    t.fail(1, URL_USERS);
    await expect(fallbackFor(t, URL_USERS)).rejects.toThrow('the value returned by fallback.value().status must be an integer HTTP status from 200 to 599, got 42');
  });

  it('prefers the cache over the value', async () => {
    const t = openBox({ fallback: { cache: true, value: { body: 'default' } } });
    await storeOk(t, URL_USERS);
    t.fail(1, URL_USERS);
    expect((await fallbackFor(t, URL_USERS))?.source).toBe('cache');
    expect((await fallbackFor(t, `${ORIGIN}/other`))?.source).toBe('value');
  });

  it("is served after a failed attempt only with when: 'open-or-failure'", async () => {
    for (const when of ['open', 'open-or-failure'] as const) {
      const t = testBox({ fallback: { value: { body: 'default' }, when } });
      const permit = t.box.admit(URL_USERS);
      if (!permit.allowed) throw new Error('refused');
      expect(await permit.fallback()).toBeUndefined(); // nothing recorded yet
      permit.record(serverError);
      expect((await permit.fallback())?.source).toBe(when === 'open' ? undefined : 'value');
    }
  });

  it('emits a fallback event', async () => {
    const t = openBox({ fallback: { value: { body: 'x' } } });
    const events: unknown[] = [];
    t.box.on('fallback', (e) => events.push(e));
    t.fail(1, URL_USERS);
    await fallbackFor(t, URL_USERS);
    expect(events).toEqual([{ origin: ORIGIN, method: 'GET', url: URL_USERS, source: 'value', reason: 'open' }]);
  });
});

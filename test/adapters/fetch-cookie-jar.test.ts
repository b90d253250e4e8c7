/**
 * Issue 9: credentials added below the wrapper. A fetch-cookie-style jar wraps the fetch that
 * `createFetch` sends with (`createFetch(box, { fetch: withJar(fetch, jar) })`, one jar per
 * session), so breakerbox never sees the `Cookie` header it adds and cannot tell sessions apart.
 *
 * 0.1 (and 0.2 without `cache.key`): session B is answered with session A's page when the
 * origin is open. breakerbox cannot see those credentials, so the first test documents the
 * hazard (the README says so); `cache.key` is the way to partition, by a header the caller
 * passes or by an AsyncLocalStorage, and then each session gets only its own page.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BreakerBox, type BreakerBoxOptions, createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { createFetch, type FetchFunction } from '../../src/adapters/fetch/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

/** A per-session cookie jar, like fetch-cookie's: it keeps `Set-Cookie` and sends it back as `Cookie`. */
interface Jar {
  cookie?: string;
}

function withJar(send: FetchFunction, jar: Jar): FetchFunction {
  return async (input, init) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (jar.cookie !== undefined) headers.set('cookie', jar.cookie);
    const response = await send(input, { ...init, headers });
    const set = response.headers.get('set-cookie');
    if (set !== null) jar.cookie = set.split(';')[0]!;
    return response;
  };
}

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  // /login?user=x sets the session cookie; /account answers with the page of whoever the cookie says.
  server = await listenLoopback((req, res, url) => {
    hits++;
    if (url.pathname === '/login') {
      res.writeHead(204, { 'set-cookie': `sid=${url.searchParams.get('user')}; HttpOnly` });
      res.end();
      return;
    }
    const user = /sid=(\w+)/.exec(req.headers.cookie ?? '')?.[1] ?? 'nobody';
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`account page of ${user}`);
  });
});
afterAll(() => server.close());

/** A session: its own jar under the box's fetch, logged in as `user`. */
async function session(box: BreakerBox, user: string, extraHeaders: Record<string, string> = {}): Promise<(path: string) => Promise<string | unknown>> {
  const resilientFetch = createFetch(box, { fetch: withJar(fetch, {}) });
  const get = async (path: string): Promise<string | unknown> => {
    try {
      return await (await resilientFetch(`${server.origin}${path}`, { headers: extraHeaders })).text();
    } catch (error) {
      return error;
    }
  };
  await get(`/login?user=${user}`);
  return get;
}

const open = (box: BreakerBox): void => box.isolate(server.origin);

describe('a cookie jar below the wrapper, two sessions', () => {
  it('without cache.key, session B gets session A\'s page when the origin is open: the documented hazard', async () => {
    const box = createBreakerBox({ fallback: { cache: true } });
    const alice = await session(box, 'alice');
    const bob = await session(box, 'bob');
    expect(await alice('/account')).toBe('account page of alice');
    const before = hits;
    open(box);
    // breakerbox never saw the Cookie the jar added below it: to it, both requests are the same.
    expect(await bob('/account')).toBe('account page of alice');
    expect(hits).toBe(before);
  });

  it('with cache.key from a header each session passes, each session gets only its own page', async () => {
    const options: BreakerBoxOptions = { fallback: { cache: { key: ({ headers }) => headers['x-session'] } } };
    const box = createBreakerBox(options);
    const alice = await session(box, 'alice', { 'x-session': 'alice' });
    const bob = await session(box, 'bob', { 'x-session': 'bob' });
    const carol = await session(box, 'carol', { 'x-session': 'carol' });
    const anonymous = await session(box, 'dave');
    expect(await alice('/account')).toBe('account page of alice');
    expect(await bob('/account')).toBe('account page of bob');
    expect(await anonymous('/account')).toBe('account page of dave');
    const before = hits;
    open(box);
    expect(await bob('/account')).toBe('account page of bob');
    expect(await alice('/account')).toBe('account page of alice');
    // Carol never fetched the page: nothing of anyone else's answers her.
    expect(isCircuitOpenError(await carol('/account'))).toBe(true);
    // No x-session: the key is undefined, so nothing was stored or served for that request.
    expect(isCircuitOpenError(await anonymous('/account'))).toBe(true);
    expect(hits).toBe(before);
  });

  it('with cache.key from an AsyncLocalStorage, each session gets only its own page', async () => {
    const current = new AsyncLocalStorage<{ session: string }>();
    const box = createBreakerBox({ fallback: { cache: { key: () => current.getStore()?.session } } });
    const as = <T>(name: string, work: () => Promise<T>): Promise<T> => current.run({ session: name }, work);
    const alice = await as('alice', () => session(box, 'alice'));
    const bob = await as('bob', () => session(box, 'bob'));
    const carol = await as('carol', () => session(box, 'carol'));
    expect(await as('alice', () => alice('/account'))).toBe('account page of alice');
    expect(await as('bob', () => bob('/account'))).toBe('account page of bob');
    const before = hits;
    open(box);
    expect(await as('bob', () => bob('/account'))).toBe('account page of bob');
    expect(await as('alice', () => alice('/account'))).toBe('account page of alice');
    expect(isCircuitOpenError(await as('carol', () => carol('/account')))).toBe(true);
    expect(hits).toBe(before);
  });
});

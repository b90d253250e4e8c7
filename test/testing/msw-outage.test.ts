import { getResponse, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { outage } from '../../src/testing/msw/index.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const { server, requests } = useMswServer(http.all(`${API}/*`, () => HttpResponse.json({ healthy: true })));

/** `status` for a response, the error's name for a rejected request. */
async function settle(url: string, init?: RequestInit): Promise<number | string> {
  try {
    return (await fetch(url, init)).status;
  } catch (error) {
    return (error as Error).name;
  }
}

async function sequence(url: string, n: number): Promise<(number | string)[]> {
  const results: (number | string)[] = [];
  for (let i = 0; i < n; i++) results.push(await settle(url));
  return results;
}

describe('outage.status', () => {
  it('answers with the status and a Retry-After in seconds when retryAfter is a number', async () => {
    server.use(outage.status(`${API}/users`, 503, { retryAfter: 7 }));
    const response = await fetch(`${API}/users`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.text()).toBe('simulated outage: 503');
  });

  it('sends a raw Retry-After, extra headers and the body when given as strings', async () => {
    server.use(outage.status(`${API}/x`, 429, { retryAfter: 'soon', headers: { 'x-why': 'test' }, body: 'slow down' }));
    const response = await fetch(`${API}/x`);
    expect([response.status, response.headers.get('retry-after'), response.headers.get('x-why')]).toEqual([429, 'soon', 'test']);
    expect(await response.text()).toBe('slow down');
  });

  it('sends no Retry-After when none is asked for', async () => {
    server.use(outage.status(`${API}/x`, 500));
    expect((await fetch(`${API}/x`)).headers.has('retry-after')).toBe(false);
  });

  it('passes through to the next handler after `times` failures', async () => {
    server.use(outage.status(`${API}/x`, 502, { times: 2 }));
    expect(await sequence(`${API}/x`, 4)).toEqual([502, 502, 200, 200]);
  });

  it('covers every path and method of a bare origin', async () => {
    server.use(outage.status(API, 503));
    expect(await settle(API)).toBe(503);
    expect(await settle(`${API}/a/b?c=1`)).toBe(503);
    expect(await settle(`${API}/a`, { method: 'POST', body: 'x' })).toBe(503);
  });

  it('leaves other origins alone', async () => {
    server.use(outage.status(API, 503), http.get('https://other.example.test/x', () => HttpResponse.text('fine')));
    expect(await settle('https://other.example.test/x')).toBe(200);
  });

  it('matches a RegExp url', async () => {
    server.use(outage.status(/\/flaky$/, 504));
    expect(await settle(`${API}/flaky`)).toBe(504);
    expect(await settle(`${API}/stable`)).toBe(200);
  });

  it('throws a RangeError naming the status when it cannot be sent', () => {
    expect(() => outage.status(API, 99)).toThrow(new RangeError('outage.status(url, status) status must be an integer HTTP status from 200 to 599, got 99'));
    expect(() => outage.status(API, 503, { retryAfter: -1 })).toThrow(/retryAfter must be an integer number of seconds >= 0 .*got -1/);
    expect(() => outage.status(API, 503, { times: 1.5 })).toThrow(new RangeError('outage.status options.times must be an integer >= 0 or Infinity, got 1.5'));
  });
});

describe('outage.network', () => {
  it('fails the connection so fetch rejects with a TypeError when active', async () => {
    server.use(outage.network(`${API}/x`));
    await expect(fetch(`${API}/x`)).rejects.toThrow(TypeError);
    expect(requests.get(API)).toBe(1);
  });

  it('recovers after `times` failures', async () => {
    server.use(outage.network(API, { times: 1 }));
    expect(await sequence(`${API}/x`, 3)).toEqual(['TypeError', 200, 200]);
  });
});

describe('outage.hang', () => {
  it('never answers, so only the client timeout ends the request', async () => {
    server.use(outage.hang(`${API}/slow`));
    expect(await settle(`${API}/slow`, { signal: AbortSignal.timeout(30) })).toBe('TimeoutError');
  });

  it('returns from the handler once the request is aborted', async () => {
    const controller = new AbortController();
    const pending = getResponse([outage.hang(`${API}/slow`)], new Request(`${API}/slow`, { signal: controller.signal }));
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    controller.abort();
    expect((await pending)?.type).toBe('error');
  });

  it('hangs only `times` requests', async () => {
    server.use(outage.hang(API, { times: 1 }));
    expect(await settle(`${API}/x`, { signal: AbortSignal.timeout(30) })).toBe('TimeoutError');
    expect(await settle(`${API}/x`)).toBe(200);
  });
});

describe('outage.failTimes', () => {
  it('fails the first n requests with the given failure then passes through', async () => {
    server.use(outage.failTimes(2, API, { kind: 'status', status: 429, retryAfter: 1 }));
    expect(await sequence(`${API}/x`, 3)).toEqual([429, 429, 200]);
  });

  it('counts concurrent requests exactly', async () => {
    server.use(outage.failTimes(3, API, { kind: 'network' }));
    const results = await Promise.all(Array.from({ length: 10 }, () => settle(`${API}/x`)));
    expect(results.filter((r) => r === 'TypeError')).toHaveLength(3);
    expect(results.filter((r) => r === 200)).toHaveLength(7);
  });

  it('fails nothing when n is 0', async () => {
    server.use(outage.failTimes(0, API, { kind: 'network' }));
    expect(await settle(`${API}/x`)).toBe(200);
  });

  it('throws a TypeError naming the failure when its kind is unknown', () => {
    expect(() => outage.failTimes(1, API, { kind: 'timeout' } as never)).toThrow(
      new TypeError(`outage.failTimes(times, url, failure) failure.kind must be one of 'status', 'network', 'hang', got "timeout"`),
    );
    expect(() => outage.failTimes(-1, API, { kind: 'network' })).toThrow(RangeError);
    expect(() => outage.failTimes(1, 42 as never, { kind: 'network' })).toThrow(new TypeError('outage.failTimes(url) url must be a URL string or a RegExp, got 42'));
  });
});

describe('outage.flapping', () => {
  it('fails and passes by the repeating pattern', async () => {
    server.use(outage.flapping(API, 'xx.'));
    expect(await sequence(`${API}/x`, 7)).toEqual(['TypeError', 'TypeError', 200, 'TypeError', 'TypeError', 200, 'TypeError']);
  });

  it('fails with the given failure', async () => {
    server.use(outage.flapping(API, '.x', { failure: { kind: 'status', status: 500 } }));
    expect(await sequence(`${API}/x`, 4)).toEqual([200, 500, 200, 500]);
  });

  it('throws naming the pattern when it is not made of x and .', () => {
    expect(() => outage.flapping(API, 'xo')).toThrow(new RangeError(`outage.flapping(url, pattern) pattern must be a non-empty string of 'x' (fail) and '.' (pass), got "xo"`));
    expect(() => outage.flapping(API, '')).toThrow(RangeError);
    expect(() => outage.flapping(API, [true] as never)).toThrow(TypeError);
  });
});

describe('outage handlers', () => {
  it('stop failing when the handlers are reset', async () => {
    server.use(outage.network(API));
    expect(await settle(`${API}/x`)).toBe('TypeError');
    server.resetHandlers();
    expect(await settle(`${API}/x`)).toBe(200);
  });

  it('fall through to an unhandled request, which listenStrict turns into an error', async () => {
    server.resetHandlers(outage.status('https://bare.example.test', 503, { times: 1 }));
    expect(await settle('https://bare.example.test/x')).toBe(503);
    expect(await settle('https://bare.example.test/x')).toBe('TypeError');
  });
});

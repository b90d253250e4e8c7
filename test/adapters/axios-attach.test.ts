import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BreakerBox, createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { patchGlobalFetch } from '../../src/adapters/fetch/index.js';

const API = 'https://api.example.test';
const server = setupServer(
  http.get(`${API}/ok`, () => HttpResponse.json({ ok: true })),
  http.get(`${API}/down`, () => new HttpResponse(null, { status: 500 })),
);
let sent = 0;
server.events.on('request:start', () => {
  sent++;
});

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  sent = 0;
});
afterAll(() => server.close());

/** Every admission the box recorded. */
function countOutcomes(box: BreakerBox): () => number {
  let count = 0;
  box.on('outcome', () => count++);
  return () => count;
}

describe('attachToAxios', () => {
  it('removes every trace when ejected, from new and from re-sent configs', async () => {
    const box = createBreakerBox();
    const api = axios.create({ baseURL: API });
    const eject = attachToAxios(box, api);
    const outcomes = countOutcomes(box);
    const failed = (await api.get('/down').catch((e: unknown) => e)) as AxiosError;
    expect(outcomes()).toBe(1);
    eject();
    box.isolate(API);
    expect((await api.get('/ok')).data).toEqual({ ok: true });
    // A config kept from before (what axios-retry re-sends) holds the old wrapper: it must pass through too.
    await expect(api.request(failed.config!)).rejects.toMatchObject({ response: { status: 500 } });
    expect(outcomes()).toBe(1);
    expect(sent).toBe(3);
    expect(box.snapshot()[0]?.rejected).toBe(0);
  });

  it('returns the first eject and admits each request once when the same box is attached twice', async () => {
    const box = createBreakerBox();
    const api = axios.create({ baseURL: API });
    const eject = attachToAxios(box, api);
    expect(attachToAxios(box, api)).toBe(eject);
    const outcomes = countOutcomes(box);
    await api.get('/ok');
    expect(outcomes()).toBe(1);
    eject();
    eject();
    box.isolate(API);
    expect((await api.get('/ok')).status).toBe(200);
    const again = attachToAxios(box, api);
    expect(again).not.toBe(eject);
    expect(isCircuitOpenError(await api.get('/ok').catch((e: unknown) => e))).toBe(true);
    again();
  });

  it('admits a re-sent error config once, not once per pass through the interceptor', async () => {
    const box = createBreakerBox();
    const api = axios.create({ baseURL: API });
    attachToAxios(box, api);
    const outcomes = countOutcomes(box);
    const failed = (await api.get('/down').catch((e: unknown) => e)) as AxiosError;
    await api.request(failed.config!).catch(() => {});
    expect(outcomes()).toBe(2);
    expect(box.snapshot()[0]?.failures).toBe(2);
  });

  it('gates a request once per box when two boxes are attached', async () => {
    const first = createBreakerBox();
    const second = createBreakerBox();
    const api = axios.create({ baseURL: API });
    attachToAxios(first, api);
    attachToAxios(second, api);
    const counts = [countOutcomes(first), countOutcomes(second)];
    await api.get('/ok');
    expect(counts.map((count) => count())).toEqual([1, 1]);
    second.isolate(API);
    expect(isCircuitOpenError(await api.get('/ok').catch((e: unknown) => e))).toBe(true);
    expect(sent).toBe(1);
  });

  it('throws a TypeError naming the argument when it is not a box or not an axios instance', () => {
    const api = axios.create();
    expect(() => attachToAxios(undefined as unknown as BreakerBox, api)).toThrow(new TypeError('attachToAxios expects a box from createBreakerBox() as its first argument, got undefined undefined'));
    expect(() => attachToAxios({} as BreakerBox, api)).toThrow(/first argument, got object without the expected methods/);
    expect(() => attachToAxios(createBreakerBox(), {} as AxiosInstance)).toThrow(TypeError);
    expect(() => attachToAxios(createBreakerBox(), 'axios' as unknown as AxiosInstance)).toThrow(/axios instance .* as its second argument, got string axios/);
  });

  it('accepts the default axios export', async () => {
    const box = createBreakerBox();
    const eject = attachToAxios(box, axios);
    try {
      box.isolate(API);
      expect(isCircuitOpenError(await axios.get(`${API}/ok`).catch((e: unknown) => e))).toBe(true);
      expect(sent).toBe(0);
    } finally {
      eject();
    }
  });

  it('leaves the caller config as it was: timeout, env and adapter choice', async () => {
    const box = createBreakerBox({ timeout: 5_000 });
    const api = axios.create({ baseURL: API, adapter: 'fetch' });
    attachToAxios(box, api);
    const response = await api.get('/ok', { timeout: 0 });
    expect(response.config.timeout).toBe(0);
    expect(response.config.env?.fetch).toBeUndefined();
  });

  it('hands the adapter every key of the config, symbols included, on a copy', async () => {
    const tag = Symbol('tag');
    const seen: Array<Record<PropertyKey, unknown>> = [];
    const api = axios.create({
      adapter: async (config) => {
        seen.push(config as unknown as Record<PropertyKey, unknown>);
        return { data: '', status: 200, statusText: 'OK', headers: {}, config, request: {} };
      },
    });
    attachToAxios(createBreakerBox(), api);
    api.interceptors.request.use((config) => Object.assign(config, { [tag]: 'mine', 'x-custom': 1 }), undefined, { synchronous: true });
    const response = await api.get(`${API}/ok`);
    expect(seen).toHaveLength(1);
    expect([seen[0]![tag], seen[0]!['x-custom'], seen[0]!.url]).toEqual(['mine', 1, `${API}/ok`]);
    expect(seen[0]).not.toBe(response.config);
    expect((response.config as unknown as Record<PropertyKey, unknown>)[tag]).toBe('mine');
  });
});

describe('attachToAxios over patchGlobalFetch', () => {
  let restore: (() => boolean) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('admits and records once when the fetch adapter runs over a fetch patched with the same box', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 2 } });
    restore = patchGlobalFetch(box);
    const api = axios.create({ baseURL: API, adapter: 'fetch' });
    attachToAxios(box, api);
    const outcomes = countOutcomes(box);
    await api.get('/ok');
    expect(outcomes()).toBe(1);
    // One failure must not count twice: with failureThreshold 2 the breaker stays closed.
    await api.get('/down').catch(() => {});
    expect(outcomes()).toBe(2);
    expect(box.state(API)).toBe('closed');
    expect(box.snapshot()[0]).toMatchObject({ successes: 1, failures: 1 });
    // The patched fetch still guards plain fetch calls on its own.
    await fetch(`${API}/ok`);
    expect(outcomes()).toBe(3);
  });

  it('passes through a fetch the caller set in env, marked the same way', async () => {
    const box = createBreakerBox();
    restore = patchGlobalFetch(box);
    let calls = 0;
    const own: typeof fetch = (input, init) => {
      calls++;
      return globalThis.fetch(input, init);
    };
    const api = axios.create({ baseURL: API, adapter: 'fetch', env: { fetch: own } });
    attachToAxios(box, api);
    const outcomes = countOutcomes(box);
    await api.get('/ok');
    await api.get('/ok');
    expect(calls).toBe(2);
    expect(outcomes()).toBe(2);
  });

  it('still admits once per box when the patched fetch belongs to another box', async () => {
    const outer = createBreakerBox();
    const inner = createBreakerBox();
    restore = patchGlobalFetch(inner);
    const api = axios.create({ baseURL: API, adapter: 'fetch' });
    attachToAxios(outer, api);
    const counts = [countOutcomes(outer), countOutcomes(inner)];
    await api.get('/ok');
    expect(counts.map((count) => count())).toEqual([1, 1]);
  });
});

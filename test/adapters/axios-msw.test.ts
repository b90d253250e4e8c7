import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { type BreakerBoxOptions, createBreakerBox, isCircuitOpenError, type Outcome } from '../../src/index.js';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { useMswServer } from '../helpers/msw-server.js';

const API = 'https://api.example.test';
const OTHER = 'https://other.example.test';
const { server, requests } = useMswServer();

/** The fallback cache stores a body after the response has been handed over. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe.each(['http', 'fetch'] as const)('attachToAxios with the %s adapter', (adapter) => {
  function setup(options: BreakerBoxOptions = {}, instance: AxiosInstance = axios.create({ baseURL: API, adapter })) {
    const clock = createManualClock();
    const box = createBreakerBox({ clock, ...options });
    const outcomes: Outcome[] = [];
    box.on('outcome', ({ outcome }) => outcomes.push(outcome));
    attachToAxios(box, instance);
    return { box, clock, api: instance, outcomes };
  }

  it('opens after the threshold and sends nothing while open', async () => {
    server.use(http.get(`${API}/down`, () => new HttpResponse('down', { status: 500 })));
    const { box, api } = setup({ breaker: { failureThreshold: 2 } });
    for (let i = 0; i < 2; i++) {
      const error = (await api.get('/down').catch((e: unknown) => e)) as AxiosError;
      expect(error.response?.status).toBe(500);
    }
    expect(box.state(API)).toBe('open');
    const refused = await api.get('/down').catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(requests.get(API)).toBe(2);
  });

  it('serves the last good response through transformResponse when open', async () => {
    let healthy = true;
    server.use(http.get(`${API}/users`, () => (healthy ? HttpResponse.json([{ id: 1 }]) : HttpResponse.error())));
    const instance = axios.create({
      baseURL: API,
      adapter,
      transformResponse: [...(axios.defaults.transformResponse as []), (data: unknown) => ({ wrapped: data })],
    });
    const { box, clock, api } = setup({ breaker: { failureThreshold: 1 }, fallback: { cache: true } }, instance);
    expect((await api.get('/users')).data).toEqual({ wrapped: [{ id: 1 }] });
    await flush();
    healthy = false;
    await expect(api.get('/users')).rejects.toMatchObject({ isAxiosError: true });
    expect(box.state(API)).toBe('open');
    clock.advance(3_000);
    const response = await api.get('/users');
    expect(response.data).toEqual({ wrapped: [{ id: 1 }] });
    expect(response.status).toBe(200);
    expect(response.headers['x-breakerbox-fallback']).toBe('cache');
    expect(response.headers['age']).toBe('3');
    expect(response.config.url).toBe('/users');
    expect(requests.get(API)).toBe(2);
  });

  it('serves a value fallback as a normal response when open', async () => {
    const { box, api } = setup({ fallback: { value: { status: 200, body: { items: [] } } } });
    box.isolate(API);
    const response = await api.get('/items');
    expect(response.data).toEqual({ items: [] });
    expect(response.headers['x-breakerbox-fallback']).toBe('value');
    expect(response.headers['content-type']).toBe('application/json');
    expect(requests.get(API)).toBe(0);
  });

  it('rejects with an AxiosError carrying the fallback when validateStatus refuses its status', async () => {
    const { box, api } = setup({ fallback: { value: { status: 503, body: { queued: true } } } });
    box.isolate(API);
    const error = (await api.post('/payments', { amount: 1 }).catch((e: unknown) => e)) as AxiosError;
    expect(axios.isAxiosError(error)).toBe(true);
    expect(error.code).toBe('ERR_BAD_RESPONSE');
    expect(error.response?.status).toBe(503);
    expect(error.response?.data).toEqual({ queued: true });
    const accepted = await api.post('/payments', { amount: 1 }, { validateStatus: () => true });
    expect(accepted.status).toBe(503);
    expect(accepted.data).toEqual({ queued: true });
    expect(requests.get(API)).toBe(0);
  });

  it('answers an arraybuffer request with bytes from the cache', async () => {
    let healthy = true;
    server.use(http.get(`${API}/blob`, () => (healthy ? new HttpResponse(new Uint8Array([1, 2, 3])) : HttpResponse.error())));
    const { box, api } = setup({ breaker: { failureThreshold: 1 }, fallback: { cache: true } });
    const live = await api.get('/blob', { responseType: 'arraybuffer' });
    await flush();
    // The caller owns the live bytes: changing them must not change the cached copy.
    new Uint8Array(live.data as ArrayBuffer)[0] = 9;
    healthy = false;
    await api.get('/blob').catch(() => {});
    expect(box.state(API)).toBe('open');
    const cached = await api.get('/blob', { responseType: 'arraybuffer' });
    if (adapter === 'http') expect(Buffer.isBuffer(cached.data)).toBe(true);
    else expect(cached.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(cached.data as ArrayBuffer)]).toEqual([1, 2, 3]);
  });

  it('does not count 4xx responses', async () => {
    server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 404 })));
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    for (let i = 0; i < 3; i++) await expect(api.get('/missing')).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(box.state(API)).toBe('closed');
    expect(outcomes).toHaveLength(3);
    expect(box.snapshot()[0]).toMatchObject({ failures: 0, successes: 3 });
    expect(requests.get(API)).toBe(3);
  });

  it('counts a 5xx that validateStatus accepted', async () => {
    server.use(http.get(`${API}/busy`, () => new HttpResponse('busy', { status: 503 })));
    const { box, api } = setup({ breaker: { failureThreshold: 1 } });
    expect((await api.get('/busy', { validateStatus: null })).status).toBe(503);
    expect(box.state(API)).toBe('open');
  });

  it('counts a network error, which has no code under MSW', async () => {
    server.use(http.get(`${API}/neterr`, () => HttpResponse.error()));
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    await expect(api.get('/neterr')).rejects.toMatchObject({ isAxiosError: true });
    expect(outcomes).toEqual([{ kind: 'network', code: adapter === 'http' ? undefined : 'ERR_NETWORK' }]);
    expect(box.state(API)).toBe('open');
  });

  it('counts a timeout when the box timeout runs out first', async () => {
    server.use(http.get(`${API}/hang`, () => delay('infinite')));
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 }, timeout: 50 });
    const error = (await api.get('/hang', { timeout: 10_000 }).catch((e: unknown) => e)) as AxiosError;
    expect(error.code).toBe(adapter === 'http' ? 'ECONNABORTED' : 'ETIMEDOUT');
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
    expect(box.state(API)).toBe('open');
    // The caller's config keeps its own timeout.
    expect(error.config?.timeout).toBe(10_000);
  });

  it('counts an AbortSignal.timeout of the caller as a timeout', async () => {
    server.use(http.get(`${API}/hang`, () => delay('infinite')));
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    const error = await api.get('/hang', { signal: AbortSignal.timeout(30) }).catch((e: unknown) => e);
    expect(axios.isCancel(error)).toBe(true);
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
    expect(box.state(API)).toBe('open');
  });

  it('does not count a caller abort and gives the half-open probe back', async () => {
    let mode: 'fail' | 'hang' | 'ok' = 'fail';
    let hanging: () => void = () => {};
    const reached = new Promise<void>((resolve) => (hanging = resolve));
    server.use(
      http.get(`${API}/flaky`, async () => {
        if (mode === 'fail') return new HttpResponse(null, { status: 500 });
        if (mode === 'ok') return HttpResponse.json({ ok: true });
        hanging();
        return delay('infinite');
      }),
    );
    const { box, clock, api, outcomes } = setup({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    await api.get('/flaky').catch(() => {});
    expect(box.state(API)).toBe('open');
    clock.advance(1_000);
    mode = 'hang';
    const controller = new AbortController();
    const probe = api.get('/flaky', { signal: controller.signal }).catch((e: unknown) => e);
    await reached;
    controller.abort();
    expect(axios.isCancel(await probe)).toBe(true);
    expect(outcomes.at(-1)).toEqual({ kind: 'aborted' });
    mode = 'ok';
    expect((await api.get('/flaky')).data).toEqual({ ok: true });
    expect(box.state(API)).toBe('closed');
  });

  it('keys the breaker by the origin of the final URL, after every interceptor', async () => {
    server.use(
      http.get(`${OTHER}/v1/search`, () => HttpResponse.error()),
      http.get(`${API}/v1/search`, () => HttpResponse.json({ ok: true })),
    );
    const instance = axios.create({ baseURL: `${API}/v1/`, adapter, params: { q: 'a b' } });
    const { box, api } = setup({ breaker: { failureThreshold: 1 } }, instance);
    const urls: string[] = [];
    box.on('outcome', ({ url }) => urls.push(url));
    // Registered after attachToAxios, so axios runs it before breakerbox's interceptor.
    const id = api.interceptors.request.use((config) => ({ ...config, baseURL: `${OTHER}/v1/` }));
    await expect(api.get('/search', { params: { page: 2 } })).rejects.toMatchObject({ isAxiosError: true });
    expect(urls).toEqual([`${OTHER}/v1/search?q=a+b&page=2`]);
    expect(box.state(OTHER)).toBe('open');
    expect(box.state(API)).toBe('closed');
    api.interceptors.request.eject(id);
    expect((await api.get('/search')).data).toEqual({ ok: true });
  });

  it('serves a fallback when the attempt itself fails with when: open-or-failure', async () => {
    server.use(http.get(`${API}/price`, () => new HttpResponse(null, { status: 502 })));
    const { api } = setup({ breaker: { failureThreshold: 5 }, fallback: { when: 'open-or-failure', value: { body: { price: null } } } });
    const response = await api.get('/price');
    expect(response.data).toEqual({ price: null });
    expect(response.headers['x-breakerbox-fallback']).toBe('value');
    expect(requests.get(API)).toBe(1);
  });

  it('never serves a response to a request with auth credentials from the shared cache', async () => {
    let healthy = true;
    server.use(http.get(`${API}/me`, () => (healthy ? HttpResponse.json({ me: 'alice' }) : HttpResponse.error())));
    const { box, api } = setup({ breaker: { failureThreshold: 1 }, fallback: { cache: true } });
    await api.get('/me', { auth: { username: 'alice', password: 'secret' } });
    await flush();
    healthy = false;
    await api.get('/me').catch(() => {});
    expect(box.state(API)).toBe('open');
    const refused = await api.get('/me').catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true);
  });
});

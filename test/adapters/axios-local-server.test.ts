import axios, { type AxiosError } from 'axios';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type BreakerBoxOptions, createBreakerBox, isCircuitOpenError, type Outcome } from '../../src/index.js';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { closedPort, type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { createManualClock } from '../helpers/manual-clock.js';

let server: LocalServer;
/** Answers 200 with half a body, then closes the connection (the http adapter then rejects with the 200 response attached). */
const partial = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
  res.write('{"items":[', () => setTimeout(() => res.socket?.destroy(), 10));
});
let partialOrigin: string;
beforeAll(async () => {
  server = await startLocalServer();
  await new Promise<void>((resolve) => partial.listen(0, '127.0.0.1', resolve));
  partialOrigin = `http://127.0.0.1:${(partial.address() as AddressInfo).port}`;
});
beforeEach(() => server.setMode('normal'));
afterAll(async () => {
  partial.closeAllConnections();
  await Promise.all([server.close(), new Promise((resolve) => partial.close(resolve))]);
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe.each(['http', 'fetch'] as const)('attachToAxios against a local server with the %s adapter', (adapter) => {
  function setup(options: BreakerBoxOptions = {}) {
    const clock = createManualClock();
    const box = createBreakerBox({ clock, ...options });
    const outcomes: Outcome[] = [];
    box.on('outcome', ({ outcome }) => outcomes.push(outcome));
    const api = axios.create({ baseURL: server.origin, adapter });
    attachToAxios(box, api);
    return { box, clock, api, outcomes };
  }

  it('counts a refused connection as a network failure with its OS code', async () => {
    const origin = `http://127.0.0.1:${await closedPort()}`;
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    await expect(api.get(`${origin}/ok`)).rejects.toMatchObject({ isAxiosError: true });
    expect(outcomes).toEqual([{ kind: 'network', code: 'ECONNREFUSED' }]);
    expect(box.state(origin)).toBe('open');
    expect(isCircuitOpenError(await api.get(`${origin}/ok`).catch((e: unknown) => e))).toBe(true);
    expect(box.state(server.origin)).toBe('closed');
  });

  it('counts a connection reset as a network failure', async () => {
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    await expect(api.get('/reset')).rejects.toMatchObject({ isAxiosError: true });
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.kind).toBe('network');
    expect(box.state(server.origin)).toBe('open');
  });

  it('counts a body that breaks off after a 200 as a network failure', async () => {
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 } });
    await expect(api.get(`${partialOrigin}/items`)).rejects.toBeInstanceOf(Error);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.kind).toBe('network');
    expect(box.state(partialOrigin)).toBe('open');
  });

  it('counts a hang beyond the box timeout as a timeout and sends nothing more while open', async () => {
    const { box, api, outcomes } = setup({ breaker: { failureThreshold: 1 }, timeout: 100 });
    const before = server.hits();
    const error = (await api.get('/hang').catch((e: unknown) => e)) as AxiosError;
    expect(error.message).toBe('timeout of 100ms exceeded');
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
    expect(box.state(server.origin)).toBe('open');
    expect(isCircuitOpenError(await api.get('/ok').catch((e: unknown) => e))).toBe(true);
    expect(server.hits() - before).toBe(1);
  });

  it('stays open for the Retry-After of a 503, then probes and closes', async () => {
    const { box, clock, api } = setup({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const before = server.hits();
    await expect(api.get('/status/503', { params: { retryAfter: 7 } })).rejects.toMatchObject({ response: { status: 503 } });
    expect(box.snapshot()[0]).toMatchObject({ state: 'open', retryAfter: 7_000 });
    clock.advance(6_999);
    expect(isCircuitOpenError(await api.get('/ok').catch((e: unknown) => e))).toBe(true);
    expect(server.hits() - before).toBe(1);
    clock.advance(1);
    expect((await api.get('/ok')).data).toEqual({ ok: true, path: '/ok' });
    expect(box.state(server.origin)).toBe('closed');
    expect(server.hits() - before).toBe(2);
  });

  it('serves the cached body of a real response while the server resets', async () => {
    const { box, api } = setup({ breaker: { failureThreshold: 1 }, fallback: { cache: true } });
    expect((await api.get('/ok')).data).toEqual({ ok: true, path: '/ok' });
    await flush();
    server.setMode('reset');
    await api.get('/ok').catch(() => {});
    expect(box.state(server.origin)).toBe('open');
    const before = server.hits();
    const cached = await api.get('/ok');
    expect(cached.data).toEqual({ ok: true, path: '/ok' });
    expect(cached.headers['x-breakerbox-fallback']).toBe('cache');
    expect(server.hits()).toBe(before);
  });

  it('leaves a relative URL without baseURL to axios and touches no breaker', async () => {
    const box = createBreakerBox();
    const api = axios.create({ adapter });
    attachToAxios(box, api);
    const error = await api.get('/relative/no/base').catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(box.snapshot()).toEqual([]);
  });
});

import ky, { HTTPError } from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createShouldRetry, kyOptions } from '../../src/adapters/ky/index.js';
import { createBreakerBox, isCircuitOpenError, type BreakerBoxOptions, type Outcome } from '../../src/index.js';
import { closedPort, startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock } from '../helpers/manual-clock.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterEach(() => {
  server.setMode('normal');
  vi.restoreAllMocks();
});
afterAll(() => server.close());

function setup(options: BreakerBoxOptions = {}) {
  const box = createBreakerBox({ clock: createManualClock(), ...options });
  const outcomes: Outcome[] = [];
  box.on('outcome', (e) => outcomes.push(e.outcome));
  return { box, outcomes };
}

/** Resolves once `spy` has been called with a delay of at least `ms` (polled per I/O turn, not by wall-clock sleeps). */
async function untilTimerOf(spy: { mock: { calls: unknown[][] } }, ms: number): Promise<boolean> {
  const scheduled = () => spy.mock.calls.some(([, delay]) => typeof delay === 'number' && delay >= ms);
  for (let i = 0; i < 500 && !scheduled(); i++) await new Promise((r) => setImmediate(r));
  return scheduled();
}

describe('kyOptions against a real local server', () => {
  it('counts each refused connection and stops retrying once the breaker opens', async () => {
    const { box, outcomes } = setup({ breaker: { failureThreshold: 2 } });
    const api = ky.create({ ...kyOptions(box), retry: { limit: 4, delay: () => 0 } });
    const origin = `http://127.0.0.1:${await closedPort()}`;
    const error = await api.get(`${origin}/x`).catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(outcomes).toEqual([
      { kind: 'network', code: 'ECONNREFUSED' },
      { kind: 'network', code: 'ECONNREFUSED' },
    ]);
    expect(box.state(origin)).toBe('open');
  });

  it('counts a reset socket as a network failure and surfaces ky\'s NetworkError', async () => {
    const { box, outcomes } = setup({ breaker: { failureThreshold: 5 } });
    const api = ky.create({ ...kyOptions(box), retry: { limit: 1, delay: () => 0 } });
    const hits = server.hits();
    await expect(api.get(`${server.origin}/reset`)).rejects.toThrow(expect.objectContaining({ name: 'NetworkError' }));
    expect(server.hits()).toBe(hits + 2);
    expect(outcomes).toEqual([
      { kind: 'network', code: 'ECONNRESET' },
      { kind: 'network', code: 'ECONNRESET' },
    ]);
  });

  it('records a hang beyond ky\'s timeout as a timeout', async () => {
    const { box, outcomes } = setup();
    const api = ky.create({ ...kyOptions(box), timeout: 80, retry: 0 });
    await expect(api.get(`${server.origin}/hang`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });

  it('answers with the fallback when the box\'s own timeout beats ky\'s', async () => {
    const { box, outcomes } = setup({
      timeout: 50,
      fallback: { when: 'open-or-failure', value: { body: { stale: true } } },
    });
    const api = ky.create({ ...kyOptions(box), timeout: 5_000, retry: 0 });
    expect(await api.get(`${server.origin}/hang`).json()).toEqual({ stale: true });
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });
});

describe('ky Retry-After waits and the breaker', () => {
  const hour = 3_600_000;

  it('sleeps for Retry-After only to be refused without createShouldRetry (the problem)', async () => {
    const { box } = setup();
    const api = ky.create({ ...kyOptions(box), retry: { limit: 1 } });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const controller = new AbortController();
    const hits = server.hits();
    const pending = api.get(`${server.origin}/status/503?retryAfter=3600`, { signal: controller.signal });
    const settled = pending.catch((e: unknown) => e);
    // ky has decided to sleep an hour although the 503 already opened the breaker.
    expect(await untilTimerOf(timers, hour)).toBe(true);
    expect(box.state(server.origin)).toBe('open');
    controller.abort();
    expect(await settled).toMatchObject({ name: 'AbortError' });
    expect(server.hits()).toBe(hits + 1);
  });

  it('stops ky before it sleeps once the failure has opened the breaker', async () => {
    const { box } = setup();
    const api = ky.create({ ...kyOptions(box), retry: { limit: 3, shouldRetry: createShouldRetry(box) } });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const controller = new AbortController();
    const hits = server.hits();
    const settled = api.get(`${server.origin}/status/503?retryAfter=3600`, { signal: controller.signal }).catch((e: unknown) => e);
    // Should ky start the hour-long sleep after all, end it at once rather than hang the test.
    const slept = await Promise.race([settled.then(() => false), untilTimerOf(timers, hour)]);
    controller.abort();
    expect(slept).toBe(false);
    const error = await settled;
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(503);
    expect(server.hits()).toBe(hits + 1);
    expect(box.state(server.origin)).toBe('open');
  });

  it('lets ky retry as usual while the breaker stays closed', async () => {
    const { box, outcomes } = setup({ breaker: { failureThreshold: 10 } });
    const api = ky.create({ ...kyOptions(box), retry: { limit: 2, delay: () => 0, shouldRetry: createShouldRetry(box) } });
    await expect(api.get(`${server.origin}/status/502`)).rejects.toThrow(HTTPError);
    expect(outcomes).toHaveLength(3);
    expect(box.state(server.origin)).toBe('closed');
  });

  it('defers to the given shouldRetry only while closed', async () => {
    const { box } = setup({ breaker: { failureThreshold: 2 } });
    const asked: number[] = [];
    const shouldRetry = createShouldRetry(box, ({ retryCount }) => {
      asked.push(retryCount);
      return true;
    });
    const api = ky.create({ ...kyOptions(box), retry: { limit: 5, delay: () => 0, shouldRetry } });
    const hits = server.hits();
    await expect(api.get(`${server.origin}/status/500`)).rejects.toThrow(HTTPError);
    // Attempt 1 failed with the breaker closed (asked); attempt 2 opened it (not asked, no retry).
    expect(asked).toEqual([1]);
    expect(server.hits()).toBe(hits + 2);
  });
});

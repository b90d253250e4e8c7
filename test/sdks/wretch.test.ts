import wretch from 'wretch';
import { retry } from 'wretch/middlewares';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The wretch recipe: `.polyfills({ fetch: createFetch(box) })` and breakerbox's `retry`.
 * wretch has no retries of its own and rejects with the fetch's own error, so a refusal is
 * the CircuitOpenError itself. Its opt-in `retry` middleware retries a rejection only with
 * `retryOnNetworkError: true`; then `until` must stop at a refusal.
 */
let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url }) => {
      if (method === 'GET' && url.pathname === '/users/1') return { json: { id: 1, name: 'Ada' } };
      return undefined;
    },
    { status: 500, json: { error: 'internal' } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function wretchThrough() {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 } });
  const api = wretch(server.origin).polyfills({ fetch: createFetch(box) });
  return { box, api };
}

describe('wretch through breakerbox (breakerbox retry)', () => {
  it('answers healthy calls unchanged', async () => {
    const { box, api } = wretchThrough();
    expect(await api.get('/users/1').json()).toEqual({ id: 1, name: 'Ada' });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 1, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent, rejected with the CircuitOpenError itself', async () => {
    const { box, api } = wretchThrough();
    await tripThroughSdk(box, server, () => api.get('/users/1').json());
    const sent = server.hits();

    const call = await timed(() => api.get('/users/1').json());

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(isCircuitOpenError(call.error)).toBe(true);
  });

  it('with the retry middleware retrying network errors, until() that stops at a refusal keeps it under 100 ms', async () => {
    const { box, api } = wretchThrough();
    const retrying = api.middlewares([
      retry({ delayTimer: 200, maxAttempts: 3, retryOnNetworkError: true, until: (response, error) => Boolean(response?.ok) || isCircuitOpenError(error) }),
    ]);
    await tripThroughSdk(box, server, () => retrying.get('/users/1').json());
    const sent = server.hits();
    const call = await timed(() => retrying.get('/users/1').json());
    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(isCircuitOpenError(call.error)).toBe(true);
  });
});

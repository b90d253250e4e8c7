import { createFetch as createOfetch, FetchError } from 'ofetch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The ofetch recipe: `createFetch({ fetch: createFetch(box), defaults: { retry: 0 } })` from
 * ofetch, breakerbox's `retry` on. ofetch retries a GET once by default with no delay (so it
 * only doubles the refusal), but any `retryDelay` sleeps into it, and a numeric `retry`
 * also retries POSTs; breakerbox's retries have a budget and never sleep into a refusal.
 */
let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url, body }) => {
      if (method === 'GET' && url.pathname === '/api/todos') return { json: [{ id: 1, title: 'ship 0.2' }] };
      if (method === 'POST' && url.pathname === '/api/todos') return { status: 201, json: { id: 2, ...(JSON.parse(body) as object) } };
      return undefined;
    },
    { status: 500, json: { statusCode: 500, message: 'Internal Server Error' } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function ofetchThrough() {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 } });
  const api = createOfetch({ fetch: createFetch(box), defaults: { baseURL: `${server.origin}/api`, retry: 0 } });
  return { box, api };
}

describe('ofetch through breakerbox (its retries off, breakerbox retry on)', () => {
  it('answers healthy calls unchanged (GET and POST)', async () => {
    const { box, api } = ofetchThrough();
    expect(await api('/todos')).toEqual([{ id: 1, title: 'ship 0.2' }]);
    expect(await api('/todos', { method: 'POST', body: { title: 'test' } })).toEqual({ id: 2, title: 'test' });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 2, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent; the FetchError holds the CircuitOpenError in cause', async () => {
    const { box, api } = ofetchThrough();
    await tripThroughSdk(box, server, () => api('/todos'));
    const sent = server.hits();

    const call = await timed(() => api('/todos'));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(call.error).toBeInstanceOf(FetchError);
    expect((call.error as FetchError).message).toContain('<no response>');
    expect(isCircuitOpenError((call.error as FetchError).cause)).toBe(true);
    expect(isCircuitOpenError(findBreakerBoxError(call.error))).toBe(true);
  });

  it("ofetch's own timeout needs no callerTimeout: it aborts with a TimeoutError reason, counted as a timeout", async () => {
    const { box, api } = ofetchThrough();
    server.setHealth('hanging');
    const outcomes: string[] = [];
    box.on('outcome', (event) => outcomes.push(`${event.outcome.kind}:${event.verdict}`));
    const call = await timed(() => api('/todos', { timeout: 100 }));
    expect(call.error).toBeInstanceOf(FetchError);
    // The caller's signal is the one ofetch aborts, so breakerbox's retries stop with it.
    expect(outcomes).toEqual(['timeout:failure']);
  });
});

import createClient from 'openapi-fetch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The openapi-fetch recipe: `createClient<paths>({ baseUrl, fetch: createFetch(box) })` and
 * breakerbox's `retry`. openapi-fetch has no retries, sends a `Request` to fetch, and
 * rethrows a rejected fetch as it is (after any `onError` middleware), so a refusal is the
 * CircuitOpenError itself.
 */
interface Pet {
  id: number;
  name: string;
}
/** What openapi-typescript would generate for this slice of the Petstore. */
interface paths {
  '/pet/{petId}': {
    parameters: { query?: never; header?: never; path: { petId: number }; cookie?: never };
    get: {
      parameters: { query?: never; header?: never; path: { petId: number }; cookie?: never };
      requestBody?: never;
      responses: {
        200: { headers: { [name: string]: unknown }; content: { 'application/json': Pet } };
        404: { headers: { [name: string]: unknown }; content: { 'application/json': { message: string } } };
      };
    };
  };
}

let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url }) => {
      const match = /^\/v3\/pet\/(\d+)$/.exec(url.pathname);
      if (method === 'GET' && match) return { json: { id: Number(match[1]), name: 'doggie' } };
      return undefined;
    },
    { status: 500, json: { code: 500, message: 'something bad happened' } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function openapiThrough() {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 } });
  const client = createClient<paths>({ baseUrl: `${server.origin}/v3`, fetch: createFetch(box) });
  return { box, client };
}

describe('openapi-fetch through breakerbox (breakerbox retry)', () => {
  it('answers healthy calls unchanged', async () => {
    const { box, client } = openapiThrough();
    const { data, error, response } = await client.GET('/pet/{petId}', { params: { path: { petId: 7 } } });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toEqual({ id: 7, name: 'doggie' });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 1, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent, rejected with the CircuitOpenError itself', async () => {
    const { box, client } = openapiThrough();
    await tripThroughSdk(box, server, () => client.GET('/pet/{petId}', { params: { path: { petId: 7 } } }));
    const sent = server.hits();

    const call = await timed(() => client.GET('/pet/{petId}', { params: { path: { petId: 7 } } }));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(isCircuitOpenError(call.error)).toBe(true);
  });
});

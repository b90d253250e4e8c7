import { gql, GraphQLClient } from 'graphql-request';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The graphql-request recipe: `new GraphQLClient(url, { fetch: createFetch(box), method: 'GET' })`
 * and breakerbox's `retry`. graphql-request has no retries and rejects with the fetch's own
 * error. Queries are POSTs by default, which breakerbox never retries (no Idempotency-Key):
 * `method: 'GET'` sends queries as GETs (mutations stay POSTs), so they are retried.
 */
const viewerQuery = gql`
  query Viewer {
    viewer {
      login
    }
  }
`;

let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url }) => {
      if (url.pathname !== '/graphql') return undefined;
      if (method === 'GET' && url.searchParams.get('query')?.includes('viewer')) return { json: { data: { viewer: { login: 'octocat' } } } };
      return { status: 400, json: { errors: [{ message: 'unknown query' }] } };
    },
    { status: 502, json: { errors: [{ message: 'Bad gateway' }] } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function graphqlThrough() {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 } });
  const client = new GraphQLClient(`${server.origin}/graphql`, { fetch: createFetch(box), method: 'GET' });
  return { box, client };
}

describe('graphql-request through breakerbox (breakerbox retry, queries as GET)', () => {
  it('answers healthy calls unchanged', async () => {
    const { box, client } = graphqlThrough();
    expect(await client.request<{ viewer: { login: string } }>(viewerQuery)).toEqual({ viewer: { login: 'octocat' } });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 1, failures: 0 });
  });

  it('queries sent as GET are retried by breakerbox: one failing call is 3 attempts', async () => {
    const { box, client } = graphqlThrough();
    const before = server.hits();
    expect(await tripThroughSdk(box, server, () => client.request(viewerQuery))).toBe(1);
    expect(server.hits() - before).toBe(3);
  });

  it('once open, a call ends in under 100 ms with nothing sent, rejected with the CircuitOpenError itself', async () => {
    const { box, client } = graphqlThrough();
    await tripThroughSdk(box, server, () => client.request(viewerQuery));
    const sent = server.hits();

    const call = await timed(() => client.request(viewerQuery));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(isCircuitOpenError(call.error)).toBe(true);
  });
});

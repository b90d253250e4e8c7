import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The octokit recipe: plugin-retry off (`retry: { enabled: false }`), breakerbox's `retry` on.
 * plugin-retry retries every status >= 400 outside `doNotRetry`, reads no header, and
 * @octokit/request turns a rejected fetch into a `RequestError` with status 500, so neither
 * a thrown refusal nor a 503 refusal would stop it (1 s, 4 s, 9 s of sleep into refusals).
 */
const RetryingOctokit = Octokit.plugin(retry);
const repo = { id: 1296269, name: 'Hello-World', full_name: 'octocat/Hello-World', private: false, default_branch: 'main', owner: { login: 'octocat', id: 1 } };

/** plugin-request-log reports each failed request with log.error; the tests expect those failures. */
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let server: ImitationServer;
beforeAll(async () => {
  server = await startImitation(
    ({ method, url }) => {
      if (method === 'GET' && url.pathname === '/repos/octocat/Hello-World') return { json: repo };
      if (method === 'GET' && url.pathname === '/repos/octocat/Hello-World/issues') return { json: [{ id: 1, number: 1347, title: 'Found a bug', state: 'open' }] };
      return undefined;
    },
    { status: 502, json: { message: 'Server Error' } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function octokitThrough() {
  const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 30_000 }, retry: { attempts: 2, delay: 10 } });
  const octokit = new RetryingOctokit({ baseUrl: server.origin, request: { fetch: createFetch(box) }, retry: { enabled: false }, log: quiet });
  return { box, octokit };
}

describe('@octokit/rest with plugin-retry through breakerbox (its retries off, breakerbox retry on)', () => {
  it('answers healthy calls unchanged', async () => {
    const { box, octokit } = octokitThrough();
    const { data, status } = await octokit.rest.repos.get({ owner: 'octocat', repo: 'Hello-World' });
    expect(status).toBe(200);
    expect(data).toMatchObject({ full_name: 'octocat/Hello-World', default_branch: 'main' });
    const issues = await octokit.rest.issues.listForRepo({ owner: 'octocat', repo: 'Hello-World' });
    expect(issues.data[0]).toMatchObject({ number: 1347 });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 2, failures: 0 });
  });

  it("breakerbox's retries replace plugin-retry's: one failing call is 3 attempts, and they open the breaker", async () => {
    const { box, octokit } = octokitThrough();
    const before = server.hits();
    const calls = await tripThroughSdk(box, server, () => octokit.rest.repos.get({ owner: 'octocat', repo: 'Hello-World' }));
    expect(calls).toBe(1);
    expect(server.hits() - before).toBe(3);
  });

  it('once open, a call ends in under 100 ms with nothing sent; the RequestError (status 500) holds the CircuitOpenError', async () => {
    const { box, octokit } = octokitThrough();
    await tripThroughSdk(box, server, () => octokit.rest.repos.get({ owner: 'octocat', repo: 'Hello-World' }));
    const sent = server.hits();

    const call = await timed(() => octokit.rest.issues.listForRepo({ owner: 'octocat', repo: 'Hello-World' }));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    // @octokit/request reports every rejected fetch as a 500: only the cause tells a refusal apart.
    expect(call.error).toMatchObject({ name: 'HttpError', status: 500 });
    expect(isCircuitOpenError(call.error)).toBe(false);
    const refusal = findBreakerBoxError(call.error);
    expect(isCircuitOpenError(refusal)).toBe(true);
    expect(refusal).toMatchObject({ origin: server.origin, method: 'GET' });
  });
});

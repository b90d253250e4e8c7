/**
 * Testing resilient code with breakerbox/msw: simulated outages, a per-origin request
 * counter and a strict listen. Written as plain `node:assert` checks so it runs without
 * a test runner; in vitest the same lines go into `it()` blocks.
 *
 * Runs offline (MSW answers everything):
 *   node --import ./scripts/register-source.mjs examples/msw-testing.ts
 *   (or: npm run examples -- msw-testing)
 */
import assert from 'node:assert/strict';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createFetch, patchGlobalFetch } from 'breakerbox/fetch';
import { countRequests, listenStrict, outage } from 'breakerbox/msw';

const API = 'https://api.example.com';
const server = setupServer(http.get(`${API}/users`, () => HttpResponse.json([{ id: 1 }])));
// A request without a handler fails instead of reaching the real network (msw 3 ignores `onUnhandledRequest`).
listenStrict(server);
const requests = countRequests(server);

// Drive the breaker's time by hand: no sleeping through open durations.
let now = 0;
const clock = { now: () => now };

try {
  // Recipe 1: assert the breaker opened and sent nothing.
  {
    const box = createBreakerBox({ breaker: { failureThreshold: 2, openDuration: 30_000 }, clock });
    const resilientFetch = createFetch(box);
    server.use(outage.status(API, 503));
    assert.equal((await resilientFetch(`${API}/users`)).status, 503);
    assert.equal((await resilientFetch(`${API}/users`)).status, 503);
    assert.equal(box.state(API), 'open');

    requests.reset();
    const refused = await resilientFetch(`${API}/users`).catch((error: unknown) => error);
    assert.ok(isCircuitOpenError(refused));
    assert.equal(requests.get(API), 0, 'an open breaker sends nothing');
    console.log('recipe 1: open after 2 failures, then refused with nothing sent:', refused.message);

    // Recipe 2: advance the breaker's clock, and the next request is a probe.
    server.resetHandlers();
    now += 30_000;
    assert.equal(box.state(API), 'half-open');
    assert.equal((await resilientFetch(`${API}/users`)).status, 200);
    assert.equal(box.state(API), 'closed');
    assert.equal(requests.get(API), 1);
    console.log('recipe 2: 30 s later on the manual clock, one probe closed it');
  }

  // Retry-After, failing N times then recovering, and flapping.
  {
    const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 10_000 }, clock });
    const resilientFetch = createFetch(box);
    server.use(outage.failTimes(1, API, { kind: 'status', status: 429, retryAfter: 60 }));
    assert.equal((await resilientFetch(`${API}/users`)).status, 429);
    assert.equal(box.snapshot()[0]?.retryAfter, 60_000, 'opened at once for the Retry-After');
    now += 60_000;
    assert.equal((await resilientFetch(`${API}/users`)).status, 200, 'the outage passed through after one failure');

    server.use(outage.flapping(API, 'x.'));
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await resilientFetch(`${API}/users`).then((r) => String(r.status), (e: Error) => e.name));
    assert.deepEqual(statuses, ['TypeError', '200', 'TypeError', '200']);
    console.log('Retry-After honoured, failTimes recovered, flapping:', statuses.join(' '));
    server.resetHandlers();
  }

  // Recipe 3: install patchGlobalFetch after server.listen(), restore it before close().
  {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { value: { body: { offline: true } } }, clock });
    const restore = patchGlobalFetch(box);
    try {
      server.use(outage.network(`${API}/users`));
      await fetch(`${API}/users`).catch(() => undefined);
      const fallback = await fetch(`${API}/users`);
      assert.equal(fallback.headers.get('x-breakerbox-fallback'), 'value');
      console.log('recipe 3: the patched global fetch answered with', await fallback.json());
    } finally {
      // Restoring first matters: server.close() puts back the fetch it saw at listen() and would drop our patch silently.
      assert.equal(restore(), true);
    }
  }
} finally {
  requests.dispose();
  server.close();
}

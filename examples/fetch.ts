/**
 * A resilient fetch: the same signature as fetch, one breaker per origin, and the last
 * good response served while an origin's breaker is open.
 *
 * Runs offline against a local server it starts itself:
 *   node --import ./scripts/register-source.mjs examples/fetch.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createFetch, patchGlobalFetch } from 'breakerbox/fetch';

// A backend that is healthy until we break it.
let status = 200;
let hits = 0;
const server = createServer((_request, response) => {
  hits++;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(status === 200 ? JSON.stringify({ users: ['Ada', 'Grace'] }) : '{"error":"unavailable"}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const box = createBreakerBox({
  breaker: { failureThreshold: 3, openDuration: 500 }, // short, so this example also shows the recovery
  fallback: { cache: true }, // serve the last good response while the breaker is open
  timeout: 2_000, // per attempt, ms
});
box.on('stateChange', ({ from, to }) => console.log(`  breaker: ${from} -> ${to}`));

// 1. A drop-in replacement: pass it wherever fetch is expected.
const resilientFetch = createFetch(box);

try {
  console.log('healthy:', await (await resilientFetch(`${api}/users`)).json());
  await sleep(20); // the cache keeps a copy of the body in the background

  // 2. The backend fails: 503s count as failures, and the third one opens the breaker.
  status = 503;
  for (let i = 0; i < 3; i++) console.log('failing:', (await resilientFetch(`${api}/users`)).status);

  // 3. While open, nothing is sent: the cached response answers, marked as a fallback.
  const before = hits;
  const cached = await resilientFetch(`${api}/users`);
  console.log('while open:', cached.headers.get('x-breakerbox-fallback'), `age ${cached.headers.get('age')} s`, await cached.json());

  // A URL with nothing cached has no fallback: the call rejects with CircuitOpenError.
  try {
    await resilientFetch(`${api}/orders`);
  } catch (error) {
    if (!isCircuitOpenError(error)) throw error;
    console.log(`refused: ${error.code}, next probe in ${error.retryAfter} ms`);
  }
  console.log('requests that reached the server while open:', hits - before);

  // 4. After openDuration one probe goes out; it succeeds, and the breaker closes.
  status = 200;
  await sleep(500);
  console.log('recovered:', (await resilientFetch(`${api}/users`)).status, box.state(api));

  // 5. Or patch the global fetch, for code you cannot change. restore() puts it back.
  const restore = patchGlobalFetch(box);
  try {
    console.log('global fetch:', (await fetch(`${api}/users`)).status, box.snapshot()[0]);
  } finally {
    restore();
  }
} finally {
  server.close();
}

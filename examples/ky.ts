/**
 * breakerbox with ky: every ky attempt goes through the breaker, ky's timeouts count as
 * timeouts, and once the origin's breaker opens the last good response is served.
 *
 * Runs offline against a local server it starts itself:
 *   node --import ./scripts/register-source.mjs examples/ky.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import ky from 'ky';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createShouldRetry, kyOptions } from 'breakerbox/ky';

// A flaky backend: healthy at first, then 503 with Retry-After.
let healthy = true;
const server = createServer((_request, response) => {
  if (healthy) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify([{ id: 1, name: 'Ada' }]));
  } else {
    response.writeHead(503, { 'retry-after': '30' });
    response.end('maintenance');
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const box = createBreakerBox({
  breaker: { failureThreshold: 3, openDuration: 10_000 },
  fallback: { cache: true },
});
box.on('stateChange', ({ origin: o, from, to }) => console.log(`breaker ${o}: ${from} -> ${to}`));

const api = ky.create({
  ...kyOptions(box),
  prefix: origin,
  timeout: 2_000,
  // Stop retrying (before sleeping) once the breaker has opened: the retry would be refused.
  retry: { limit: 2, maxRetryAfter: 5_000, shouldRetry: createShouldRetry(box) },
});

try {
  console.log('healthy:', await api.get('users').json());
  // Let the fallback cache finish copying the body it keeps.
  await new Promise((resolve) => setTimeout(resolve, 20));

  healthy = false;
  // The 503 carries Retry-After, so the breaker opens at once; createShouldRetry stops ky
  // from sleeping 5 s only to be refused, and the caller gets ky's HTTPError now.
  const error = await api.get('users').json().catch((e: unknown) => e);
  console.log('first failure:', (error as Error).name, box.state(origin));

  // While open: no request leaves; the last good response answers, .json() works.
  const response = await api.get('users');
  console.log('while open:', response.headers.get('x-breakerbox-fallback'), await response.json());

  // A URL with nothing cached has no fallback: ky rejects with CircuitOpenError, not retried.
  const refused = await api.get('orders').catch((e: unknown) => e);
  if (isCircuitOpenError(refused)) console.log('refused:', refused.message, `retry in ${refused.retryAfter} ms`);
} finally {
  server.close();
}

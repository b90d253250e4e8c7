/**
 * The cached fallback in a server that calls an API for many users: responses to
 * credentialed requests are kept apart per credential (or not at all), `cache.key`
 * partitions by session, and an endless event stream read with the cache on is cancelled
 * as fast as without it.
 *
 * Runs offline against a local server it starts itself:
 *   npx node --import ./scripts/register-source.mjs examples/caching-safely.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';

// A backend that greets whoever calls (by API key), and streams events on /events.
let healthy = true;
let openStreams = 0;
const server = createServer((request, response) => {
  if (!healthy) return void request.socket.destroy();
  if (request.url === '/events') {
    openStreams++;
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => response.write('data: tick\n\n'), 10);
    response.on('close', () => {
      clearInterval(timer);
      openStreams--;
    });
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ hello: request.headers['x-api-key'] ?? 'anyone' }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const outage = async (resilientFetch: typeof fetch) => {
  healthy = false;
  await resilientFetch(`${api}/trip`).catch(() => {}); // one failure opens the breaker
};
const ask = async (resilientFetch: typeof fetch, key: string) => {
  try {
    const response = await resilientFetch(`${api}/me`, { headers: { 'x-api-key': key } });
    return `${JSON.stringify(await response.json())} (${response.headers.get('x-breakerbox-fallback') ?? 'live'})`;
  } catch (error) {
    if (isCircuitOpenError(error)) return 'refused: nothing cached for this key';
    throw error;
  }
};

try {
  // 1. x-api-key is a credential: without cache.private, such responses are never cached.
  const shared = createFetch(createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache: { credentialHeaders: ['x-api-key'] } } })) as typeof fetch;
  await ask(shared, 'alice');
  await outage(shared);
  console.log('shared cache, bob while open:', await ask(shared, 'bob'));
  healthy = true;

  // 2. cache.private: each key gets its own response back, and nobody else's.
  const perUser = createFetch(createBreakerBox({ breaker: { failureThreshold: 1 }, fallback: { cache: { private: true, credentialHeaders: ['x-api-key'] } } })) as typeof fetch;
  await ask(perUser, 'alice');
  await ask(perUser, 'bob');
  await sleep(10);
  await outage(perUser);
  console.log('private cache, alice while open:', await ask(perUser, 'alice'));
  console.log('private cache, bob while open:', await ask(perUser, 'bob'));
  console.log('private cache, carol while open:', await ask(perUser, 'carol'));
  healthy = true;

  // 3. A stream with the cache on: cancelling it closes the connection at once.
  const streaming = createFetch(createBreakerBox({ fallback: { cache: true }, timeout: 50 }));
  const events = await streaming(`${api}/events`);
  const reader = events.body!.getReader();
  for (let i = 0; i < 10; i++) await reader.read(); // runs past the 50 ms headers timeout
  const started = performance.now();
  await reader.cancel();
  await sleep(20);
  console.log(`stream cancelled in ${(performance.now() - started - 20).toFixed(1)} ms; streams still open on the server: ${openStreams}`);
} finally {
  server.close();
}

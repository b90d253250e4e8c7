/**
 * breakerbox with axios: every request of an instance goes through the breaker of its
 * final origin (baseURL + url + params); once it opens, nothing is sent and the last good
 * response is served, parsed by axios like a live one.
 *
 * Runs offline against a local server it starts itself:
 *   node --import ./scripts/register-source.mjs examples/axios.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { attachToAxios } from 'breakerbox/axios';

// A flaky backend: healthy at first, then 503 with Retry-After.
let healthy = true;
let hits = 0;
const server = createServer((_request, response) => {
  hits++;
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
  timeout: 2_000,
  hosts: { [origin]: { fallback: { cache: true, value: { status: 503, body: { queued: true } } } } },
});
box.on('stateChange', ({ origin: o, from, to }) => console.log(`breaker ${o}: ${from} -> ${to}`));

const api = axios.create({ baseURL: `${origin}/v1`, adapter: 'http' });
const eject = attachToAxios(box, api);

try {
  const { data } = await api.get('/users', { params: { page: 1 } });
  console.log('healthy:', data);
  // Let the fallback cache finish copying the body it keeps.
  await new Promise((resolve) => setTimeout(resolve, 20));

  healthy = false;
  // The 503 carries Retry-After, so the breaker opens at once (for 30 s).
  const error = await api.get('/users', { params: { page: 1 } }).catch((e: unknown) => e);
  if (axios.isAxiosError(error)) console.log('first failure:', error.response?.status, box.state(origin));

  // While open nothing is sent; the cached response answers, JSON parsed as usual.
  const cached = await api.get('/users', { params: { page: 1 } });
  console.log('while open:', cached.headers['x-breakerbox-fallback'], cached.data, `(server hits: ${hits})`);

  // Nothing cached for this URL: the value fallback answers with 503, which axios'
  // validateStatus refuses, so it rejects with an AxiosError carrying that response.
  const queued = await api.post('/orders', { id: 7 }).catch((e: unknown) => e);
  if (axios.isAxiosError(queued)) console.log('value fallback:', queued.response?.status, queued.response?.data);

  // Without a fallback for the origin, an open breaker rejects with CircuitOpenError.
  eject();
  attachToAxios(createBreakerBox({ breaker: { failureThreshold: 1 } }), api);
  await api.get('/users').catch(() => {});
  const refused = await api.get('/users').catch((e: unknown) => e);
  if (isCircuitOpenError(refused)) console.log('refused:', refused.message);
} finally {
  server.close();
}

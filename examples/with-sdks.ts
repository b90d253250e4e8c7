/**
 * openai and stripe through breakerbox, against a local imitation of their APIs that goes
 * down: with the SDKs' defaults, each call once the breaker is open sleeps through the
 * SDK's retries only to be refused again; with `onRefusal: 'respond'`, the refusal is a 503
 * the SDK does not retry (`x-should-retry: false`, `stripe-should-retry: false`), so it ends
 * at once. Then openai's own timeout against a hung host, without and with `callerTimeout`.
 *
 * Runs offline against a local server it starts itself:
 *   node --import ./scripts/register-source.mjs examples/with-sdks.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import Stripe from 'stripe';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError, type HostOptions } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';

// One imitation for both APIs: healthy, then failing with 500s, then hanging.
let health: 'healthy' | 'failing' | 'hanging' = 'healthy';
let hits = 0;
const server = createServer((request, response) => {
  hits++;
  if (health === 'hanging') return; // never answers
  response.writeHead(health === 'failing' ? 500 : 200, { 'content-type': 'application/json' });
  if (health === 'failing') response.end(JSON.stringify({ error: { type: 'api_error', message: 'boom' } }));
  else if (request.url?.startsWith('/v1/models/')) response.end(JSON.stringify({ id: 'gpt-4o', object: 'model', created: 0, owned_by: 'system' }));
  else response.end(JSON.stringify({ id: 'cus_123', object: 'customer' }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const origin = `http://127.0.0.1:${port}`;

function clients(options: HostOptions) {
  const box = createBreakerBox({ breaker: { failureThreshold: 2 }, hosts: { [origin]: options } });
  const fetch = createFetch(box);
  const openai = new OpenAI({ apiKey: 'sk-demo', baseURL: `${origin}/v1`, fetch });
  const stripe = new Stripe('sk_test_demo', { host: '127.0.0.1', port, protocol: 'http', httpClient: Stripe.createFetchHttpClient(fetch), telemetry: false });
  return { box, openai, stripe };
}

/** One call: how long it took, how many requests reached the server, and what the caller caught. */
async function measure(label: string, call: () => Promise<unknown>): Promise<void> {
  const [before, started] = [hits, performance.now()];
  const error = await call().then(() => undefined, (e: unknown) => e);
  const refusal = findBreakerBoxError(error);
  const caught = isCircuitOpenError(refusal) ? `${(error as Error).constructor.name} wrapping CircuitOpenError` : `${(error as Error).constructor.name} ${(error as { status?: number }).status ?? (error as { statusCode?: number }).statusCode}`;
  console.log(`  ${label.padEnd(34)} ${(performance.now() - started).toFixed(0).padStart(5)} ms, ${hits - before} sent, caught ${caught}`);
}

for (const [name, options] of [
  ['defaults', {}],
  ["onRefusal: 'respond'", { onRefusal: 'respond' }],
] as const) {
  console.log(`${name}: one call each once the breaker is open`);
  const { box, openai, stripe } = clients(options);
  health = 'failing';
  while (box.state(origin) !== 'open') await openai.models.retrieve('gpt-4o', { maxRetries: 0 }).catch(() => undefined);
  await measure('openai models.retrieve', () => openai.models.retrieve('gpt-4o'));
  await measure('stripe customers.retrieve', () => stripe.customers.retrieve('cus_123'));
}

console.log("openai's own 300 ms timeout against a hung host, three calls");
health = 'hanging';
for (const callerTimeout of [undefined, 250]) {
  const { box, openai } = clients({ onRefusal: 'respond', ...(callerTimeout === undefined ? {} : { callerTimeout }) });
  for (let i = 0; i < 3; i++) await openai.models.retrieve('gpt-4o', { timeout: 300, maxRetries: 0 }).catch(() => undefined);
  const [entry] = box.snapshot();
  console.log(`  callerTimeout ${String(callerTimeout).padEnd(9)} → breaker ${entry?.state}, ${entry?.failures} failures counted`);
}

server.closeAllConnections();
server.close();

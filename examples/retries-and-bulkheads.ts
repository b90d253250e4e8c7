/**
 * The pipeline every request goes through, per origin: bulkhead → retry (with its budget)
 * → breaker → attempt timeout. Shows a flaky host retried until it answers, a POST that is
 * never retried without an Idempotency-Key, a retry the open breaker refuses ending at
 * once, the bulkhead turning a request away, and `onRefusal: 'respond'` for SDKs.
 *
 * Runs offline against a local server it starts itself:
 *   npx node --import ./scripts/register-source.mjs examples/retries-and-bulkheads.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBreakerBox, findBreakerBoxError, isBulkheadFullError, isCircuitOpenError } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';

// A backend whose next `failures` answers are 503s; `/slow` takes 300 ms.
let failures = 0;
let hits = 0;
const server = createServer((request, response) => {
  hits++;
  const fail = failures > 0;
  if (fail) failures--;
  setTimeout(() => {
    response.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(fail ? { error: 'unavailable' } : { ok: true, path: request.url }));
  }, request.url === '/slow' ? 300 : 0);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const box = createBreakerBox({
  breaker: { failureThreshold: 4, openDuration: 60_000 },
  retry: { attempts: 2, delay: 50 }, // up to 3 attempts, 0–50 ms then 0–100 ms apart
  bulkhead: { maxConcurrent: 2 }, // at most 2 requests in flight to this origin
  timeout: 2_000,
});
box.on('retry', ({ attempt, delay }) => console.log(`  retry: attempt ${attempt} after ${delay} ms`));
const resilientFetch = createFetch(box);

try {
  // 1. Two 503s, then an answer: the caller sees only the answer; the breaker saw all three.
  failures = 2;
  console.log('flaky GET:', (await resilientFetch(`${api}/users`)).status, `(${hits} attempts)`);

  // 2. A POST is retried only with an Idempotency-Key (so a retry cannot charge twice).
  failures = 1;
  hits = 0;
  console.log('POST, no key:', (await resilientFetch(`${api}/charges`, { method: 'POST', body: '{}' })).status, `(${hits} attempt)`);
  failures = 1;
  hits = 0;
  const keyed = await resilientFetch(`${api}/charges`, { method: 'POST', body: '{}', headers: { 'idempotency-key': 'charge-42' } });
  console.log('POST with Idempotency-Key:', keyed.status, `(${hits} attempts)`);

  // 3. The bulkhead: a third request while two are in flight is refused at once, not queued.
  const slow = [resilientFetch(`${api}/slow`), resilientFetch(`${api}/slow`)];
  try {
    await resilientFetch(`${api}/slow`);
  } catch (error) {
    if (!isBulkheadFullError(error)) throw error;
    console.log(`bulkhead: ${error.code}, ${error.maxConcurrent} in flight already`);
  }
  await Promise.all(slow);

  // 4. The host goes down: the failures open the breaker mid-retries, and the retry the
  //    breaker refuses ends the request at once with the refusal (no sleep into it).
  failures = 100;
  hits = 0;
  for (let request = 1; request <= 2; request++) {
    try {
      const response = await resilientFetch(`${api}/users`);
      console.log(`request ${request}: ${response.status} after ${hits} attempts in all (every retry failed)`);
    } catch (error) {
      if (!isCircuitOpenError(findBreakerBoxError(error))) throw error;
      console.log(`request ${request}: refused after ${hits} attempts in all; the breaker is ${box.state(api)}`);
    }
  }

  // 5. For SDKs with their own retries: answer refusals with a 503 they will not retry.
  const sdkBox = createBreakerBox({ breaker: { failureThreshold: 1 }, onRefusal: 'respond' });
  const sdkFetch = createFetch(sdkBox);
  await sdkFetch(`${api}/users`);
  const refused = await sdkFetch(`${api}/users`);
  console.log('onRefusal respond:', refused.status, refused.headers.get('x-breakerbox-fallback'), `retry-after ${refused.headers.get('retry-after')} s`, `x-should-retry ${refused.headers.get('x-should-retry')}`);
} finally {
  server.close();
}

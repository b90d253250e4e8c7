/**
 * P5: an origin whose server hangs. The breaker opens on timeouts, then every request is
 * answered by a fallback (a cached last good response, or the host's default value)
 * without touching the hung server. Reports p50/p99 of the time until the caller holds
 * the fallback's body, and the requests that reached the server meanwhile (must be 0).
 */
import { createServer } from 'node:http';
import { createBreakerBox } from 'breakerbox';
import { clients } from './clients.mjs';

const COUNT = Number(process.env.BENCH_HANG_COUNT ?? 2000);
const TIMEOUT = 100;

async function startHangingServer() {
  let hang = false;
  let hits = 0;
  const held = new Set();
  const server = createServer((_request, response) => {
    hits++;
    if (hang) return void held.add(response);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"items":[1,2,3]}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    hits: () => hits,
    hang: () => (hang = true),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function measure(name, client) {
  const server = await startHangingServer();
  try {
    const box = createBreakerBox({
      timeout: TIMEOUT,
      breaker: { failureThreshold: 5, openDuration: 300_000 },
      fallback: { cache: true, value: { status: 200, body: { items: [], stale: true } } },
    });
    const send = client.guarded(box);
    // A good response to /cached, kept for the cache fallback.
    await send(`${server.origin}/cached`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    server.hang();
    // Five concurrent attempts time out together, and the breaker opens.
    await Promise.allSettled(Array.from({ length: 5 }, () => send(`${server.origin}/fresh`)));
    if (box.state(server.origin) !== 'open') throw new Error(`${name}: the breaker did not open (${box.state(server.origin)})`);
    const hitsBefore = server.hits();
    const latencies = { value: [], cache: [] };
    for (let i = 0; i < COUNT; i++) {
      const kind = i % 2 === 0 ? 'value' : 'cache';
      const started = process.hrtime.bigint();
      await send(`${server.origin}/${kind === 'cache' ? 'cached' : 'fresh'}`);
      latencies[kind].push(Number(process.hrtime.bigint() - started));
    }
    const [entry] = box.snapshot();
    if (entry.fallbacks < COUNT) throw new Error(`${name}: ${entry.fallbacks} fallbacks served, expected ${COUNT}`);
    return { latencies, serverHits: server.hits() - hitsBefore };
  } finally {
    await server.close();
  }
}

async function main() {
  const results = {};
  for (const [name, client] of Object.entries(clients)) {
    results[name] = client.built ? await measure(name, client) : { skipped: true };
  }
  if (process.send) process.send(results);
  else console.log(JSON.stringify(results).slice(0, 500));
}

await main();

/**
 * P5: an origin whose server hangs. The breaker opens on timeouts, then every request is
 * answered by a fallback (a cached last good response, or the host's default value)
 * without touching the hung server. Measures the time until the caller holds the
 * fallback's body, and the requests that reached the server meanwhile (must be 0).
 *
 * Every client is set up first (its own server and box), then the requests are split
 * into rounds that alternate the clients, starting one later each round, so a burst of
 * load from elsewhere on the machine lands on all of them alike. Each round's latencies
 * are kept apart: the report takes the median over rounds of each round's p50 and p99
 * (issue 15), and still shows the pooled p99 and the worst round. Nothing is dropped:
 * the first round, which runs the refusal path cold, is one of the rounds.
 */
import { createServer } from 'node:http';
import { createBreakerBox } from 'breakerbox';
import { clients } from './clients.mjs';

const COUNT = Number(process.env.BENCH_HANG_COUNT ?? 2000);
const ROUNDS = Number(process.env.BENCH_HANG_ROUNDS ?? 10);
const TIMEOUT = 100;
const KINDS = ['value', 'cache'];

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

/** One client's hung origin, its breaker opened on timeouts, ready to be answered by fallbacks. */
async function openOrigin(name, client) {
  const server = await startHangingServer();
  // Load and connect the client first, outside the 100 ms timeout: on a loaded machine
  // the very first request (module loading, the first connection) can take longer.
  await client.guarded(createBreakerBox())(`${server.origin}/warm`);
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
  return { name, server, box, send, hitsBefore: server.hits(), rounds: { value: [], cache: [] } };
}

/** `count` sequential requests, value and cache fallbacks alternating; each latency in ns into this round's lists. */
async function round(origin, count) {
  const latencies = { value: [], cache: [] };
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % 2];
    const url = `${origin.server.origin}/${kind === 'cache' ? 'cached' : 'fresh'}`;
    const started = process.hrtime.bigint();
    await origin.send(url);
    latencies[kind].push(Number(process.hrtime.bigint() - started));
  }
  for (const kind of KINDS) origin.rounds[kind].push(latencies[kind]);
}

async function main() {
  const results = {};
  const origins = [];
  for (const [name, client] of Object.entries(clients)) {
    // Keyed in the clients' order, whichever are built.
    results[name] = client.built ? undefined : { skipped: true };
    if (client.built) origins.push(await openOrigin(name, client));
  }
  try {
    const perRound = Math.max(2, Math.round(COUNT / ROUNDS));
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < origins.length; i++) await round(origins[(i + r) % origins.length], perRound);
    }
    for (const origin of origins) {
      const [entry] = origin.box.snapshot();
      const answered = perRound * ROUNDS;
      if (entry.fallbacks < answered) throw new Error(`${origin.name}: ${entry.fallbacks} fallbacks served, expected ${answered}`);
      results[origin.name] = {
        // Pooled, as before the rounds: what bench/report.mjs reads today.
        latencies: Object.fromEntries(KINDS.map((kind) => [kind, origin.rounds[kind].flat()])),
        rounds: origin.rounds,
        serverHits: origin.server.hits() - origin.hitsBefore,
      };
    }
  } finally {
    for (const origin of origins) await origin.server.close();
  }
  if (process.send) process.send(results);
  else console.log(JSON.stringify(results).slice(0, 500));
}

await main();

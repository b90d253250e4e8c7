/**
 * P4: the whole path. Each client, bare and through breakerbox (embedded defaults),
 * sends a fixed count of GETs to a local node:http server (its own process) with a few
 * requests in flight. The count is split into many short rounds that alternate bare and
 * guarded, so a burst of load from elsewhere on the machine lands on both alike; the
 * parent sums each variant's rounds into requests per second and client CPU per request.
 *
 * A third variant, `control`, is a second bare client of the same kind, alternated with
 * the other two: bare vs control is this run's noise floor. Two instances of one client
 * library alternating in one process need not run alike (in issue 15's runs at load 3-4,
 * a second bare ky measured 85-101 % of the first one's throughput, a second bare fetch
 * 112-131 %), so a guarded/bare ratio is only as good as the control's is near 100 %.
 */
import { fork } from 'node:child_process';
import { createBreakerBox } from 'breakerbox';
import { clients } from './clients.mjs';

const COUNT = Number(process.env.BENCH_HTTP_COUNT ?? 100);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 60);
const CONCURRENCY = 8;

async function startServer() {
  const child = fork(new URL('./http-server.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop: () => child.disconnect() };
}

/** Sends `count` requests, `CONCURRENCY` at a time; returns the wall time and the client CPU µs it took. */
async function round(send, origin, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await send(`${origin}/items?page=${i % 16}`);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const used = process.cpuUsage(cpu);
  return { count, seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
}

async function main() {
  const server = await startServer();
  const results = {};
  try {
    for (const [name, client] of Object.entries(clients)) {
      if (!client.built) {
        results[name] = { skipped: true };
        continue;
      }
      const box = createBreakerBox();
      const variants = { bare: client.bare(), guarded: client.guarded(box), control: client.bare() };
      const names = Object.keys(variants);
      // Warm up all three (JIT, connection pool) before anything is timed.
      for (const send of Object.values(variants)) await round(send, server.origin, 300);
      const samples = { bare: [], guarded: [], control: [] };
      for (let r = 0; r < ROUNDS; r++) {
        // Each variant takes each place in the order once every three rounds.
        for (let i = 0; i < names.length; i++) {
          const variant = names[(i + r) % names.length];
          samples[variant].push(await round(variants[variant], server.origin, COUNT));
        }
      }
      const [state] = box.snapshot();
      if (state?.successes !== (ROUNDS * COUNT) + 300) throw new Error(`${name}: the breaker saw ${state?.successes} successes, expected ${ROUNDS * COUNT + 300}`);
      results[name] = samples;
    }
  } finally {
    server.stop();
  }
  if (process.send) process.send(results);
  else console.log(JSON.stringify(results, null, 1));
}

await main();

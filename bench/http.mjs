/**
 * P4: the whole path. Each client, bare and through breakerbox (embedded defaults), sends
 * GETs to a local node:http server (its own process) with a few requests in flight.
 *
 * Each variant lives in a process of its own, as an app would use one client: in one
 * process, two identical bare fetch closures alternating in short rounds measured 10-50 %
 * apart, the one created first always the slower (V8's type feedback and JIT order, not
 * the client), more than the difference under test. The parent keeps the three processes
 * and has them take turns, round by round, starting one later each round: a slow spell of
 * this shared machine (the same bare client's CPU per request moves by ±15 % from one
 * second to the next) lands on every variant alike.
 *
 * A third variant, `control`, is a second bare process: bare vs control is this run's
 * noise floor, and a guarded/bare ratio is only as good as the control's is near 100 %.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBreakerBox } from 'breakerbox';
import { clients } from './clients.mjs';

/** Requests per round and rounds per variant; `WARMUP` untimed ones first (JIT, connection pool). */
const COUNT = Number(process.env.BENCH_HTTP_COUNT ?? 200);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 30);
const WARMUP = 500;
const CONCURRENCY = 8;
const VARIANTS = ['bare', 'guarded', 'control'];

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

/** In the variant's own process: one client, warmed up, then a timed round per message until told to stop. */
function serveVariant(variant, name, origin) {
  const client = clients[name];
  const box = createBreakerBox();
  const send = variant === 'guarded' ? client.guarded(box) : client.bare();
  let sent = 0;
  process.on('message', async (message) => {
    if (message === 'stop') {
      const [state] = box.snapshot();
      if (variant === 'guarded' && state?.successes !== sent) throw new Error(`${name}: the breaker saw ${state?.successes} successes, expected ${sent}`);
      process.disconnect();
      return;
    }
    const result = await round(send, origin, message.count);
    sent += message.count;
    process.send(result);
  });
  round(send, origin, WARMUP).then(() => {
    sent += WARMUP;
    process.send('ready');
  });
}

/** A variant's process, ready for rounds: `run(count)` resolves with the round's result. */
async function startVariant(variant, name, origin) {
  const proc = fork(fileURLToPath(import.meta.url), ['variant', variant, name, origin], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve, reject) => proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`P4 ${name} ${variant} exited with code ${code}`)))));
  exited.catch(() => {});
  const next = () =>
    new Promise((resolve, reject) => {
      proc.once('message', resolve);
      exited.then(() => reject(new Error(`P4 ${name} ${variant} exited before answering`)), reject);
    });
  await next();
  return {
    run: (count) => {
      const answer = next();
      proc.send({ count });
      return answer;
    },
    stop: () => {
      proc.send('stop');
      return exited;
    },
  };
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
      const processes = {};
      for (const variant of VARIANTS) processes[variant] = await startVariant(variant, name, server.origin);
      const samples = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
      for (let r = 0; r < ROUNDS; r++) {
        for (let i = 0; i < VARIANTS.length; i++) {
          const variant = VARIANTS[(i + r) % VARIANTS.length];
          samples[variant].push(await processes[variant].run(COUNT));
        }
      }
      await Promise.all(Object.values(processes).map((p) => p.stop()));
      results[name] = samples;
    }
  } finally {
    server.stop();
  }
  if (process.send) process.send(results);
  else console.log(JSON.stringify(results, null, 1));
}

if (process.argv[2] === 'variant') serveVariant(process.argv[3], process.argv[4], process.argv[5]);
else await main();

/**
 * Two replicas of one service share a Redis (`breakerbox/redis`): replica A sees a host
 * fail and opens; replica B refuses at once without having sent it anything, and answers
 * from the response A cached in Redis. Then B's own reset reaches A.
 *
 * Uses `REDIS_URL` when set; otherwise starts a throwaway `redis-server` on a free loopback
 * port (persistence off) and stops it at the end. Without either, it says how to install
 * Redis and exits. The host is a function passed as createFetch's `fetch` option.
 *   node --import ./scripts/register-source.mjs examples/redis-replicas.ts
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { createRedisCacheStore, shareOpenState } from 'breakerbox/redis';

/** Stops the throwaway redis-server, when this example started one. */
let stopThrowawayRedis: (() => Promise<void>) | undefined;
const redisUrl = process.env['REDIS_URL'] ?? (await startThrowawayRedis());
if (redisUrl === undefined) {
  console.log('This example needs Redis: set REDIS_URL, or install redis-server (sudo apt-get install redis-server).');
  process.exit(0);
}

// The host both replicas call: healthy at first, then failing.
let hostUp = true;
let hostCalls = 0;
async function host(): Promise<Response> {
  hostCalls++;
  return hostUp ? Response.json({ items: ['tea', 'coffee'] }) : new Response('overloaded', { status: 500 });
}

/** One replica: its own box and its own two connections (a subscribed connection can do nothing else). */
function replica(name: string) {
  // commandTimeout: a Redis that stops answering fails its commands instead of holding them.
  const client = new Redis(redisUrl!, { commandTimeout: 1_000 });
  const subscriber = client.duplicate();
  // ioredis reports a lost connection as an 'error' event: log it, never crash on it.
  for (const connection of [client, subscriber]) connection.on('error', (error) => console.warn(`${name}: redis ${error.message}`));
  const box = createBreakerBox({
    breaker: { failureThreshold: 3, openDuration: 30_000 },
    fallback: { cache: true },
    cacheStore: createRedisCacheStore({ client, ttl: 3_600_000 }),
  });
  const stopSharing = shareOpenState(box, { client, subscriber });
  const ready = Promise.all([client.ping(), subscriber.ping()]);
  return { box, fetch: createFetch(box, { fetch: host }), ready, stop: () => (stopSharing(), Promise.all([client.quit(), subscriber.quit()])) };
}

const a = replica('A');
const b = replica('B');
await Promise.all([a.ready, b.ready]);
const url = 'https://inventory.example.com/items';

// A caches a good answer in Redis (the write is fire-and-forget: give it a moment).
console.log('A, host healthy:', await (await a.fetch(url)).json());
await new Promise((resolve) => setTimeout(resolve, 100));

hostUp = false;
for (let i = 0; i < 3; i++) console.log('A, host failing:', (await a.fetch(url)).status);
console.log('A is', a.box.state(url));
await new Promise((resolve) => setTimeout(resolve, 100));

const before = hostCalls;
const fromB = await b.fetch(url);
console.log(`B is ${b.box.state(url)}; answered ${fromB.status} from the ${fromB.headers.get('x-breakerbox-fallback')} A filled:`, await fromB.json());
try {
  await b.fetch('https://inventory.example.com/never-cached');
} catch (error) {
  console.log('B, a URL nobody cached:', isCircuitOpenError(error) ? error.message : error);
}
console.log(`calls B sent to the failing host: ${hostCalls - before}`);

hostUp = true;
b.box.reset(url);
await new Promise((resolve) => setTimeout(resolve, 100));
console.log(`after B's reset, A is ${a.box.state(url)}`);

await Promise.all([a.stop(), b.stop()]);
await stopThrowawayRedis?.();

// --- a throwaway redis-server, only so the example runs on its own ---

async function startThrowawayRedis(): Promise<string | undefined> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'].find((path) => existsSync(path));
  if (binary === undefined) return undefined;
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  stopThrowawayRedis = () => new Promise((resolve) => (server.once('exit', () => resolve()), server.kill('SIGTERM')));
  // Wait until it answers.
  const check = new Redis(port, '127.0.0.1', { retryStrategy: () => 20, maxRetriesPerRequest: null });
  check.on('error', () => {});
  await check.ping();
  check.disconnect();
  return `redis://127.0.0.1:${port}`;
}

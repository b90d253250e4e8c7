/**
 * `npm run demo -- --replicas`: three replicas of one service, one dying host, one Redis.
 *
 * Starts a `redis-server` of its own (a free loopback port, persistence off), one local
 * host that fails for a while, and three replica processes, each with its own box sharing
 * open state and the cached fallback through `breakerbox/redis`. Replica one gets most of
 * the traffic, so it sees the failures first; the table shows the other two refusing
 * together with it, having sent the dying host almost nothing, then each probing for
 * itself once the host healed. Without `redis-server` on the machine it says how to
 * install it and returns.
 *
 * This one module is also the replica process: forked with `BREAKERBOX_DEMO_REPLICA` set,
 * it runs {@link runReplica} instead of being imported.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createBreakerBox, type CircuitState } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { createRedisCacheStore, shareOpenState } from 'breakerbox/redis';

/** Options of {@link runReplicasDemo}. */
export interface ReplicasDemoOptions {
  /** Where lines go. @default console.log */
  print?: (line: string) => void;
  /** Redraw the table in place (a terminal). @default process.stdout.isTTY */
  live?: boolean;
}

/** What {@link runReplicasDemo} saw, for a summary or a test. */
export interface ReplicasDemoSummary {
  /** `false` when no `redis-server` was found (nothing ran). */
  ran: boolean;
  /** Requests that reached the host while it was failing, all replicas together. */
  outageHits: number;
  /** Ms between the first replica opening and the last one refusing too. */
  spread: number | undefined;
  replicas: ReplicaStats[];
}

/** One replica's numbers, as the table shows them. */
export interface ReplicaStats {
  name: string;
  state: CircuitState;
  sent: number;
  failed: number;
  refused: number;
  /** Refused requests answered from the shared cache. */
  cached: number;
  openedAt?: number;
  openCause?: string;
}

const REPLICA_ENV = 'BREAKERBOX_DEMO_REPLICA';
const HEALTHY_FOR = 3_000;
/** Shorter than the open time: the first probes find the host healed. */
const FAILING_FOR = 2_500;
const AFTER = 4_500;
const OPEN_DURATION = 3_000;
/** Ms between two requests of each replica: one gets most of the traffic. */
const INTERVALS = [40, 250, 250];

/** Whether `redis-server` is on this machine (the replicas mode needs one). */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).concat('/usr/bin', '/usr/local/bin')) {
    if (dir !== '' && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  return undefined;
}

/**
 * Run the replicas demo (about 11 s) and resolve with what it saw. Everything it starts is
 * stopped before it resolves: the Redis server, the host and the three replica processes.
 *
 * @example
 * ```ts
 * if (process.argv.includes('--replicas')) {
 *   await runReplicasDemo();
 *   process.exit(0);
 * }
 * ```
 */
export async function runReplicasDemo(options: ReplicasDemoOptions = {}): Promise<ReplicasDemoSummary> {
  const print = options.print ?? ((line: string) => console.log(line));
  const live = options.live ?? process.stdout.isTTY === true;
  const binary = findRedisServer();
  if (binary === undefined) {
    print('The replicas demo needs redis-server on this machine: sudo apt-get install redis-server (Debian, Ubuntu), brew install redis (macOS).');
    return { ran: false, outageHits: 0, spread: undefined, replicas: [] };
  }
  const redis = await startRedis(binary);
  const host = await startHost();
  const replicas = await Promise.all(INTERVALS.map((interval, i) => startReplicaProcess(`replica ${i + 1}`, redis.port, host.origin, interval)));
  const started = Date.now();
  let phase = 'host healthy: each replica caches its good responses in Redis';
  let outageStart = 0;
  let outageHits = 0;
  let drawn = 0;
  const draw = (final = false) => {
    const lines = render(Date.now() - started, phase, replicas.map((r) => r.stats));
    if (live && drawn > 0) print(`\u001b[${drawn}A\u001b[J${lines[0]}`);
    else print(lines[0]!);
    for (const line of lines.slice(1)) print(line);
    drawn = lines.length;
    if (!live && !final) drawn = 0;
  };
  const timer = setInterval(draw, live ? 200 : 2_000);
  try {
    await sleep(HEALTHY_FOR);
    host.failing = true;
    outageStart = host.hits();
    phase = 'host failing (500): replica 1, with the most traffic, opens on its own failures; the others refuse with it';
    if (!live) print(`${seconds(Date.now() - started)}  ${phase}`);
    await sleep(FAILING_FOR);
    host.failing = false;
    outageHits = host.hits() - outageStart;
    phase = `host healed: after ${seconds(OPEN_DURATION)} open each replica sends its own probe`;
    if (!live) print(`${seconds(Date.now() - started)}  ${phase}`);
    await sleep(AFTER);
  } finally {
    clearInterval(timer);
    await Promise.all(replicas.map((r) => r.stop()));
    await host.close();
    await redis.stop();
  }
  draw(true);
  const opens = replicas.map((r) => r.stats.openedAt).filter((at): at is number => at !== undefined);
  const spread = opens.length === replicas.length ? Math.max(...opens) - Math.min(...opens) : undefined;
  print('');
  print(`During the ${seconds(FAILING_FOR)} outage ${outageHits} requests reached the host from three replicas (each needs 5 failures to open on its own: 15 without sharing).`);
  if (spread !== undefined) print(`All three refused within ${spread} ms of each other; each closed again on its own probe.`);
  return { ran: true, outageHits, spread, replicas: replicas.map((r) => ({ ...r.stats })) };
}

function render(elapsed: number, phase: string, stats: ReplicaStats[]): string[] {
  const header = `${'replica'.padEnd(11)}${'state'.padEnd(11)}${'sent'.padStart(6)}${'failed'.padStart(8)}${'refused'.padStart(9)}${'cached'.padStart(8)}  opened by`;
  const rows = stats.map((s) => `${s.name.padEnd(11)}${s.state.padEnd(11)}${String(s.sent).padStart(6)}${String(s.failed).padStart(8)}${String(s.refused).padStart(9)}${String(s.cached).padStart(8)}  ${s.openCause === undefined ? '' : s.openCause === 'open-until' ? 'another replica' : `its own ${s.openCause}`}`);
  return [`${seconds(elapsed)}  ${phase}`, header, ...rows];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startRedis(binary: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  await probe.ping();
  probe.disconnect();
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startHost(): Promise<{ origin: string; failing: boolean; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const host = { failing: false };
  const server = createServer((_request, response) => {
    hits++;
    if (host.failing) {
      response.writeHead(500).end('inventory is dying');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stock: [{ sku: 'A1', count: 3 }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(host, {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

interface ReplicaProcess {
  readonly stats: ReplicaStats;
  stop(): Promise<void>;
}

async function startReplicaProcess(name: string, redisPort: number, origin: string, interval: number): Promise<ReplicaProcess> {
  // The same Node and the same flags (the source hook of `npm run demo`).
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [REPLICA_ENV]: JSON.stringify({ name, redisPort, origin, interval }) }, execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stats: ReplicaStats = { name, state: 'closed', sent: 0, failed: 0, refused: 0, cached: 0 };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: ReplicaStats | 'ready') => {
      if (message === 'ready') resolve();
      else Object.assign(stats, message);
    });
  });
  return {
    stats,
    async stop() {
      child.send('stop');
      await exited;
    },
  };
}

/** The replica process: one box, two Redis connections, traffic every `interval` ms, stats to the parent. */
export async function runReplica(config: { name: string; redisPort: number; origin: string; interval: number }): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port: config.redisPort, commandTimeout: 1_000 });
  const subscriber = client.duplicate();
  client.on('error', () => {});
  subscriber.on('error', () => {});
  const box = createBreakerBox({ breaker: { failureThreshold: 5, openDuration: OPEN_DURATION }, fallback: { cache: true }, cacheStore: createRedisCacheStore({ client }) });
  const stats: ReplicaStats = { name: config.name, state: 'closed', sent: 0, failed: 0, refused: 0, cached: 0 };
  // Counted from the box's own events: what was sent, what failed, what was refused or served from the cache.
  box.on('outcome', ({ verdict }) => {
    stats.sent++;
    if (verdict === 'failure') stats.failed++;
  });
  box.on('rejected', () => stats.refused++);
  box.on('fallback', ({ source }) => source === 'cache' && stats.cached++);
  box.on('stateChange', ({ to, cause }) => {
    if (to === 'open' && stats.openedAt === undefined) {
      stats.openedAt = Date.now();
      stats.openCause = cause;
    }
  });
  const stopSharing = shareOpenState(box, { client, subscriber });
  const resilientFetch = createFetch(box);
  await Promise.all([client.ping(), subscriber.ping()]);
  let running = true;
  process.on('message', (message) => {
    if (message === 'stop') running = false;
  });
  process.send!('ready');
  const report = setInterval(() => process.send!({ ...stats, state: box.state(config.origin) }), 100);
  while (running) {
    try {
      await (await resilientFetch(`${config.origin}/stock`)).arrayBuffer();
    } catch {
      // Refused with nothing cached yet: counted by the 'rejected' event.
    }
    await sleep(config.interval);
  }
  clearInterval(report);
  process.send!({ ...stats, state: box.state(config.origin) });
  stopSharing();
  await Promise.all([client.quit(), subscriber.quit()]).catch(() => {});
  process.disconnect();
}

const replicaConfig = process.env[REPLICA_ENV];
if (replicaConfig !== undefined) await runReplica(JSON.parse(replicaConfig) as Parameters<typeof runReplica>[0]);

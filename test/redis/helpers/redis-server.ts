import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * A real `redis-server` per test file, on a free loopback port, persistence off, stopped by
 * its pid. Debian's package is what CI installs (`.ci/run`); on a machine without it the
 * Redis suites skip, except in CI, where a missing server fails the run.
 */

export const INSTALL_HINT = 'redis-server is not installed; install it with `sudo apt-get install redis-server` to run the Redis tests';

/** The path of `redis-server` (`BREAKERBOX_REDIS_SERVER`, else the PATH), or `undefined`. */
export function findRedisServer(): string | undefined {
  const chosen = process.env['BREAKERBOX_REDIS_SERVER'];
  if (chosen !== undefined) return existsSync(chosen) ? chosen : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).concat('/usr/bin', '/usr/local/bin')) {
    const candidate = join(dir, 'redis-server');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Whether the Redis suites run here. Without a server: `false` and a warning naming the
 * install command, or a thrown error when `CI` is set (a skipped suite in CI proves nothing).
 */
export function redisServerAvailable(): boolean {
  if (findRedisServer() !== undefined) return true;
  if (process.env['CI']) throw new Error(`${INSTALL_HINT}. CI is set, so a missing server is a failure, not a skip.`);
  console.warn(`Skipping the Redis tests: ${INSTALL_HINT}.`);
  return false;
}

/** A free loopback port: bind port 0, read it, let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RedisServer {
  readonly port: number;
  /** The running server's pid. */
  readonly pid: number;
  /** SIGKILL, as a crash would: no goodbye to the clients. */
  kill(): Promise<void>;
  /** Start again on the same port (after `kill()` or `stop()`). */
  restart(): Promise<void>;
  /** Running and not paused; after a test that failed half-way, the next one can put it back. */
  ensureRunning(): Promise<void>;
  /** SIGSTOP: the server holds every connection open and answers nothing. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Stop it for good (SIGTERM, then SIGKILL after a second). */
  stop(): Promise<void>;
}

/** How long a starting server may take to accept connections. */
const START_TIMEOUT = 5_000;

/** Start a `redis-server` on a free loopback port (or `port`) and wait until it answers PING. */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) throw new Error(INSTALL_HINT);
  const chosen = port ?? (await freePort());
  let child = await launch(binary, chosen);
  let paused = false;
  const waitExit = (proc: ChildProcess): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
  const restart = async () => {
    child = await launch(binary, chosen);
  };
  const resume = () => {
    paused = false;
    process.kill(child.pid!, 'SIGCONT');
  };
  return {
    port: chosen,
    get pid() {
      return child.pid!;
    },
    async kill() {
      paused = false;
      child.kill('SIGKILL');
      await waitExit(child);
    },
    restart,
    async ensureRunning() {
      if (paused) resume();
      if (child.exitCode !== null || child.signalCode !== null) await restart();
    },
    pause() {
      paused = true;
      process.kill(child.pid!, 'SIGSTOP');
    },
    resume,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A stopped process queues SIGTERM until it runs again.
      if (paused) process.kill(child.pid!, 'SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
      await waitExit(child);
      clearTimeout(timer);
    },
  };
}

async function launch(binary: string, port: number): Promise<ChildProcess> {
  // Persistence off: nothing written to disk, nothing loaded on a restart.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: process.env['TMPDIR'] ?? '/tmp' });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + START_TIMEOUT;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} on port ${port}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port} within ${START_TIMEOUT} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

/** One inline PING over a fresh socket. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** `redis-server --version`, for a test's log line. */
export function redisServerVersion(): string | undefined {
  const binary = findRedisServer();
  if (binary === undefined) return undefined;
  return spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

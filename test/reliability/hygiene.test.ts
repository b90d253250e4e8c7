import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeUnhandledRejections } from '../setup/fail-on-unhandled.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Whatever child we start is killed after this, so a hung child fails the test instead of hanging it. */
const CHILD_DEADLINE = 20_000;

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), CHILD_DEADLINE);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('unhandled rejection guard', () => {
  it('records a rejection nobody handles, so the test can be failed', async () => {
    void Promise.reject(new Error('leaked on purpose'));
    await new Promise((resolve) => setImmediate(resolve));
    const leaked = takeUnhandledRejections();
    expect(leaked).toHaveLength(1);
    expect((leaked[0] as Error).message).toBe('leaked on purpose');
  });

  it('fails a vitest run whose test leaks a rejection', async () => {
    const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
    const result = await run([vitest, 'run', '--config', 'test/reliability/fixtures/vitest.fixture.config.ts']);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('1 unhandled rejection(s) during this test; the first: Error: leaked on purpose');
  }, 30_000);
});

/**
 * A local server that closes every connection after its response. Node's fetch (undici)
 * on its own keeps a process alive for 100-300 ms after the last of several keep-alive
 * requests (seen with plain `fetch`, no breakerbox loaded), which would blur what this
 * test measures: timers and sockets breakerbox itself holds.
 */
async function startClosingServer(): Promise<{ origin: string; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    const status = req.url?.startsWith('/status/503') ? 503 : 200;
    res.writeHead(status, { connection: 'close', 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function idleChild(origin: string, holdMs = 0): Promise<number> {
  const result = await run(['--import', './scripts/register-source.mjs', 'test/reliability/fixtures/idle-client.ts', origin, String(holdMs)]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout.trim()) as { idleMs: number }).idleMs;
}

describe('process hygiene', () => {
  let closing: Awaited<ReturnType<typeof startClosingServer>>;
  let keepAlive: LocalServer;
  beforeAll(async () => {
    [closing, keepAlive] = await Promise.all([startClosingServer(), startLocalServer()]);
  });
  afterAll(async () => {
    await Promise.all([closing.close(), keepAlive.close()]);
  });

  it('lets a process that used every adapter exit on its own within 200 ms of its last request', async () => {
    const idleMs = await idleChild(closing.origin);
    console.log(`idle child exited ${idleMs.toFixed(1)} ms after its last request`);
    expect(idleMs).toBeLessThan(200);
    // fetch, patched fetch, axios http and fetch adapters, ky: a success and a failure each.
    expect(closing.hits()).toBe(10);
  }, 30_000);

  it('measures a process held open on purpose as held, so the check above can fail', async () => {
    // Timers fire on whole milliseconds, a hair before 400 by performance.now(); well past 200 is what matters.
    expect(await idleChild(closing.origin, 400)).toBeGreaterThan(350);
  }, 30_000);

  it('lets the process exit on its own with keep-alive connections still pooled', async () => {
    const idleMs = await idleChild(keepAlive.origin);
    console.log(`idle child (keep-alive server) exited ${idleMs.toFixed(1)} ms after its last request`);
    expect(idleMs).toBeLessThan(2_000);
  }, 30_000);
});

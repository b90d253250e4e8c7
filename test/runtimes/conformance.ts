/**
 * The conformance subset `npm run test:runtimes` runs on Bun, Deno and workerd: the fetch
 * adapter with the cache and value fallbacks, a breaker that opens and recovers, the
 * box's timeout, and ky, all against a real loopback server
 * (test/runtimes/conformance-server.mjs, run by Node). Only web standards here: the same
 * bundle runs in every runtime.
 *
 * Time is a manual clock (workerd freezes `Date.now()` between I/O, and no check should
 * sleep through an open period); only the timeout check uses real time (200 ms).
 */
import ky, { HTTPError } from 'ky';
import { createBreakerBox, isCircuitOpenError } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { createShouldRetry, kyOptions } from 'breakerbox/ky';

/** How one check ended. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** Why it failed. */
  detail?: string;
}

const FALLBACK = 'x-breakerbox-fallback';

class CheckFailure extends Error {
  override name = 'CheckFailure';
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new CheckFailure(`${what}: expected ${e}, got ${a}`);
}

/** The server's test controls; sent with the runtime's own fetch, never through a breaker. */
function controls(base: string) {
  return {
    async set(health: 'healthy' | 'failing'): Promise<void> {
      const response = await fetch(`${base}/__control/${health}`, { method: 'POST' });
      await response.body?.cancel();
    },
    async hits(): Promise<number> {
      return Number(await (await fetch(`${base}/__control/hits`)).text());
    },
  };
}

function manualClock(): { clock: { now(): number }; advance(ms: number): void } {
  let now = 1_000_000;
  return { clock: { now: () => now }, advance: (ms) => void (now += ms) };
}

type Check = [name: string, run: () => Promise<void>];

/** The checks, in order: later ones rely on the state earlier ones left (one box per group). */
function checks(base: string): Check[] {
  const server = controls(base);
  const time = manualClock();
  const box = createBreakerBox({
    breaker: { failureThreshold: 2, openDuration: 5_000 },
    fallback: { cache: true, value: { status: 200, body: { stale: true } } },
    clock: time.clock,
    random: () => 0,
  });
  const resilientFetch = createFetch(box);
  const bare = createBreakerBox({ breaker: { failureThreshold: 1 }, clock: time.clock });
  const bareFetch = createFetch(bare);

  return [
    [
      'fetch: a live 200 passes through, and is kept for the cache fallback',
      async () => {
        await server.set('healthy');
        const response = await resilientFetch(`${base}/data/a`);
        expectEqual('status', response.status, 200);
        expectEqual('fallback header', response.headers.get(FALLBACK), null);
        expectEqual('body', await response.json(), { path: '/data/a' });
      },
    ],
    [
      'fetch: two 503s in a row open the breaker',
      async () => {
        await server.set('failing');
        for (let i = 0; i < 2; i++) {
          const response = await resilientFetch(`${base}/data/a`);
          expectEqual('status', response.status, 503);
          await response.body?.cancel();
        }
        expectEqual('state', box.state(base), 'open');
      },
    ],
    [
      'fetch: the cache fallback answers a stored URL while open, and sends nothing',
      async () => {
        const before = await server.hits();
        const response = await resilientFetch(`${base}/data/a`);
        expectEqual('fallback header', response.headers.get(FALLBACK), 'cache');
        expectEqual('body', await response.json(), { path: '/data/a' });
        if (response.headers.get('age') === null) throw new CheckFailure('a cached fallback has no Age header');
        expectEqual('requests sent', (await server.hits()) - before, 0);
      },
    ],
    [
      'fetch: the value fallback answers an uncached URL while open, and sends nothing',
      async () => {
        const before = await server.hits();
        const response = await resilientFetch(`${base}/data/b`);
        expectEqual('fallback header', response.headers.get(FALLBACK), 'value');
        expectEqual('body', await response.json(), { stale: true });
        expectEqual('requests sent', (await server.hits()) - before, 0);
      },
    ],
    [
      'fetch: without a fallback, an open breaker rejects with CircuitOpenError',
      async () => {
        await (await bareFetch(`${base}/data/c`)).body?.cancel();
        const before = await server.hits();
        const error = await bareFetch(`${base}/data/c`).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!isCircuitOpenError(error)) throw new CheckFailure(`expected a CircuitOpenError, got ${String(error)}`);
        expectEqual('error origin', error.origin, base);
        expectEqual('requests sent', (await server.hits()) - before, 0);
      },
    ],
    [
      'fetch: once openDuration has passed, one probe closes the breaker',
      async () => {
        await server.set('healthy');
        time.advance(5_000);
        expectEqual('state before the probe', box.state(base), 'half-open');
        const response = await resilientFetch(`${base}/data/a`);
        expectEqual('fallback header', response.headers.get(FALLBACK), null);
        expectEqual('body', await response.json(), { path: '/data/a' });
        expectEqual('state after the probe', box.state(base), 'closed');
      },
    ],
    [
      "timeout: a hung request rejects with a TimeoutError after the box's timeout, and opens the breaker",
      async () => {
        const hung = createFetch(createBreakerBox({ breaker: { failureThreshold: 1 }, timeout: 200 }));
        const started = performance.now();
        const error = await hung(`${base}/hang`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expectEqual('error name', (error as Error | undefined)?.name, 'TimeoutError');
        const next = await hung(`${base}/hang`).catch((e: unknown) => e);
        if (!isCircuitOpenError(next)) throw new CheckFailure(`expected the breaker open after the timeout, got ${String(next)}`);
        // performance.now() advances on I/O in workerd too; a timeout that never fired would have hung the run.
        if (performance.now() - started > 5_000) throw new CheckFailure('the 200 ms timeout took over 5 s');
      },
    ],
    ...kyChecks(base, server),
  ];
}

function kyChecks(base: string, server: ReturnType<typeof controls>): Check[] {
  const time = manualClock();
  const box = createBreakerBox({ breaker: { failureThreshold: 2, openDuration: 5_000 }, fallback: { cache: true }, clock: time.clock, random: () => 0 });
  // Short retry delays: ky's default backoff would sleep 300 ms before the retry.
  const api = ky.create({ ...kyOptions(box), prefix: base, retry: { limit: 3, delay: () => 10, shouldRetry: createShouldRetry(box) } });
  return [
    [
      'ky: a live answer through kyOptions(box)',
      async () => {
        await server.set('healthy');
        expectEqual('body', await api.get('data/k').json(), { path: '/data/k' });
      },
    ],
    [
      'ky: retries go through the breaker, and createShouldRetry stops them once it opens',
      async () => {
        await server.set('failing');
        const before = await server.hits();
        const error = await api.get('data/k').then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(error instanceof HTTPError)) throw new CheckFailure(`expected ky's HTTPError, got ${String(error)}`);
        expectEqual('status', error.response.status, 503);
        // Two attempts open the breaker; the third and fourth (limit 3) are never sent.
        expectEqual('attempts sent', (await server.hits()) - before, 2);
        expectEqual('state', box.state(base), 'open');
      },
    ],
    [
      'ky: the cache fallback answers .json() while open',
      async () => {
        const before = await server.hits();
        expectEqual('body', await api.get('data/k').json(), { path: '/data/k' });
        expectEqual('requests sent', (await server.hits()) - before, 0);
      },
    ],
    [
      'ky: once openDuration has passed, the probe closes the breaker',
      async () => {
        await server.set('healthy');
        time.advance(5_000);
        const response = await api.get('data/k');
        expectEqual('fallback header', response.headers.get(FALLBACK), null);
        await response.body?.cancel();
        expectEqual('state', box.state(base), 'closed');
      },
    ],
  ];
}

/**
 * Runs every check against the conformance server at `base`, one after the other,
 * reporting each line through `log` as it ends (`ok   name` or `FAIL name: why`), and
 * a last line `<runtime>: N of M checks passed`.
 *
 * @example
 * ```ts
 * const results = await runConformance('http://127.0.0.1:40123', 'Deno/2.9.6', console.log);
 * ```
 */
export async function runConformance(base: string, runtime: string, log: (line: string) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, run] of checks(base)) {
    try {
      await run();
      results.push({ name, ok: true });
      log(`ok   ${name}`);
    } catch (error) {
      const detail = error instanceof CheckFailure ? error.message : `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      results.push({ name, ok: false, detail });
      log(`FAIL ${name}: ${detail}`);
    }
  }
  const passed = results.filter((r) => r.ok).length;
  log(`${passed === results.length ? 'PASS' : 'FAIL'} ${runtime}: ${passed} of ${results.length} checks passed`);
  return results;
}

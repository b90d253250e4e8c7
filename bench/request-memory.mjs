/**
 * P6: what 100,000 finished requests leave behind. Every request passes one long-lived
 * caller signal (an app's shutdown signal, say) and the box has a `timeout`, so each
 * attempt combines the two signals; once a request has finished, nothing of it should
 * stay reachable. One fresh `--expose-gc` process per variant, started by bench/run.mjs:
 * `node --expose-gc --import ./scripts/register-source.mjs bench/request-memory.mjs bare|breakerbox`.
 *
 * The fetch underneath is an in-memory fake (a fresh `Response` per call, no I/O), so the
 * numbers are breakerbox's alone; `bare` calls the same fake directly, as the baseline.
 * Reported: heap growth per request after two forced GCs, and the timers still alive
 * (unref'd ones included, counted with async_hooks).
 */
import { trackTimers } from './live-timers.mjs';
import { createBreakerBox } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const WARMUP = 2_000;
const TIMEOUT_MS = 30_000;
const variant = process.argv[2];
const URLS = Array.from({ length: 16 }, (_, i) => `https://api.example.com/v1/items/${i}`);

const fakeFetch = async () => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });

function collect() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function main() {
  if (variant !== 'bare' && variant !== 'breakerbox') throw new Error(`usage: request-memory.mjs bare|breakerbox, got ${variant}`);
  const send = variant === 'bare' ? fakeFetch : createFetch(createBreakerBox({ timeout: TIMEOUT_MS }), { fetch: fakeFetch });
  const shutdown = new AbortController();
  const run = async (count) => {
    for (let i = 0; i < count; i++) {
      const response = await send(URLS[i & 15], { signal: shutdown.signal });
      await response.text();
    }
  };
  await run(WARMUP);

  const tracker = trackTimers();
  const before = collect();
  const started = performance.now();
  await run(REQUESTS);
  const seconds = (performance.now() - started) / 1000;
  // One turn of the event loop first, as any server gets between requests: Node removes
  // cleared timers from its lists and runs abort-signal cleanup there, so measuring before
  // it counts ~600 B per request that a single yield frees.
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  const after = collect();
  tracker.stop();

  const result = { variant, requests: REQUESTS, bytesPerRequest: (after - before) / REQUESTS, heapGrowth: after - before, timers: tracker.count(), seconds };
  // Keep the caller's signal alive to the end, as a long-lived one would be.
  if (shutdown.signal.aborted) throw new Error('unreachable');
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result));
  // Pending box timers (if any) must not hold the process for TIMEOUT_MS.
  process.exit(0);
}

await main();

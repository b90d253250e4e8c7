/**
 * P3: heap bytes per idle origin with 10,000 origins, timers owned, and idle CPU.
 * One fresh process per variant and repetition, started by bench/run.mjs with
 * `--expose-gc`: `node --expose-gc --import ./scripts/register-source.mjs bench/memory.mjs <variant>`.
 *
 * Every variant keys its breakers by the same origin strings (the library's own
 * registry for breakerbox, a Map for the others), so the `keys` variant (the Map and
 * its keys alone) is subtracted to get the bytes a breaker itself costs, the way the
 * research numbers (cockatiel 1.35 KB, opossum 7.1 KB) were taken.
 */
import { trackTimers } from './live-timers.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBreakerBox } from 'breakerbox';
import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';

const ORIGINS = 10_000;
const CALLS = 10;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 1000);
const variant = process.argv[2];

const noop = async () => 1;
const originOf = (i) => `https://h${i}.example.com`;

/** Builds 10,000 breakers, each having served 10 successful calls; returns what keeps them alive. */
const variants = {
  async keys() {
    const map = new Map();
    for (let i = 0; i < ORIGINS; i++) map.set(originOf(i), true);
    return map;
  },
  async breakerbox() {
    const box = createBreakerBox({ maxOrigins: ORIGINS });
    for (let i = 0; i < ORIGINS; i++) {
      for (let call = 0; call < CALLS; call++) {
        const permit = box.admit(`${originOf(i)}/items/${call}`);
        await noop();
        permit.record({ kind: 'response', status: 200 });
      }
    }
    if (box.snapshot().length !== ORIGINS) throw new Error('setup: breakerbox did not keep every origin');
    return box;
  },
  async cockatiel() {
    const map = new Map();
    for (let i = 0; i < ORIGINS; i++) {
      const policy = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
      map.set(originOf(i), policy);
      for (let call = 0; call < CALLS; call++) await policy.execute(noop);
    }
    return map;
  },
  async opossum() {
    const map = new Map();
    for (let i = 0; i < ORIGINS; i++) {
      const breaker = new CircuitBreaker(noop);
      map.set(originOf(i), breaker);
      for (let call = 0; call < CALLS; call++) await breaker.fire();
    }
    return map;
  },
};

function collect() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const countTimeouts = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

async function main() {
  const build = variants[variant];
  if (build === undefined) throw new Error(`usage: memory.mjs ${Object.keys(variants).join('|')}, got ${variant}`);
  // Every Timeout created while building and still alive after, unref'd ones included.
  const tracker = trackTimers();
  const refTimersBefore = countTimeouts();

  const before = collect();
  const started = performance.now();
  const kept = await build();
  const createMs = performance.now() - started;
  const after = collect();
  const refTimers = countTimeouts() - refTimersBefore;
  tracker.stop();
  const timers = tracker.count();

  // Let V8 finish the background work the build left (sweeping, memory reducer) first.
  await sleep(300);
  const cpuBefore = process.cpuUsage();
  await sleep(IDLE_MS);
  const cpu = process.cpuUsage(cpuBefore);
  const idleCpuMsPerS = ((cpu.user + cpu.system) / 1000) * (1000 / IDLE_MS);

  const result = { variant, bytesPerOrigin: (after - before) / ORIGINS, createMs, timers, refTimers, idleCpuMsPerS };
  for (const breaker of kept.values?.() ?? []) breaker?.shutdown?.();
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result));
}

await main();

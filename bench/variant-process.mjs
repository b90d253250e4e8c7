/**
 * Paired benches (bench/micro.mjs, bench/otel.mjs, bench/pipeline.mjs) run each variant in a fresh process,
 * since V8 shares type feedback across boxes in one process (a box with listeners or
 * policies would slow the one without), and alternate the variants over repetitions, so a
 * noisy neighbour hurts them alike.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

/** Calls per bare batch: spreads tinybench's own per-sample cost (a timestamp and an await) thin. */
export const BATCH = 100;

/** The bare async no-op every breaker wraps, and every paired bench's baseline. */
export const noop = async () => 1;

async function bareBatch() {
  for (let i = 0; i < BATCH; i++) await noop();
}

/**
 * One repetition of a paired bench, in the variant's own process: `task` (which makes
 * `perCall` calls per invocation) and a batch of bare `await noop()` in one tinybench run,
 * bare first unless `bareFirst` is false. Resolves with each one's median sample in ns per
 * call: `{ bare, value }`.
 */
export async function pairWithBare(task, { perCall = BATCH, time, bareFirst = true }) {
  const bench = new Bench({ time, throws: true });
  if (bareFirst) bench.add('bare', bareBatch).add('task', task);
  else bench.add('task', task).add('bare', bareBatch);
  await bench.run();
  const median = (name) => bench.tasks.find((t) => t.name === name).result.latency.p50 * 1e6;
  return { bare: median('bare') / BATCH, value: median('task') / perCall };
}

/** Run `script` (a bench file's `import.meta.url`) again as `script variant <name> ...args`, and resolve with the message it sends back. */
export function forkVariant(script, name, ...args) {
  return new Promise((resolve, reject) => {
    let result;
    const file = fileURLToPath(script);
    const proc = fork(file, ['variant', name, ...args], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proc.on('message', (message) => (result = message));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${file} variant ${name} exited with code ${code}`))));
  });
}

/** Every variant once per repetition, starting one later each time; resolves with all the results. */
export async function alternate(script, variants, repetitions) {
  const runs = [];
  for (let rep = 0; rep < repetitions; rep++) {
    for (let i = 0; i < variants.length; i++) runs.push(await forkVariant(script, variants[(i + rep) % variants.length]));
  }
  return runs;
}

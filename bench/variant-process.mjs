/**
 * Paired benches (bench/micro.mjs, bench/otel.mjs, bench/pipeline.mjs) run each variant in a fresh process,
 * since V8 shares type feedback across boxes in one process (a box with listeners or
 * policies would slow the one without), and alternate the variants over repetitions, so a
 * noisy neighbour hurts them alike.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

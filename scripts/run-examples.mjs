/**
 * `npm run examples`: runs every examples/*.ts on its own, from source, offline, and
 * fails if any exits non-zero or runs past the time limit. Each example is a plain Node
 * program: Node 22 strips the types, scripts/register-source.mjs maps `breakerbox/*` to
 * src/ (the same map tsc type-checks them with), scripts/offline-guard.mjs refuses
 * non-loopback connections. `npm run examples -- fetch ky` runs only those.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIME_LIMIT = 60_000;
const root = new URL('../', import.meta.url);
const dir = new URL('examples/', root);
const hooks = ['register-source.mjs', 'offline-guard.mjs'].flatMap((file) => ['--import', fileURLToPath(new URL(`scripts/${file}`, root))]);

const wanted = process.argv.slice(2);
const examples = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(basename(file, '.ts')))
  .sort();
if (examples.length === 0) {
  console.error(`Failed to find examples${wanted.length ? ` named ${wanted.join(', ')}` : ''} in examples/.`);
  process.exit(1);
}

function run(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    let output = '';
    const child = spawn(process.execPath, [...hooks, fileURLToPath(new URL(file, dir))], { cwd: fileURLToPath(root), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ file, ok: code === 0, reason: signal ? `killed after ${TIME_LIMIT / 1000} s` : `exit code ${code}`, ms: performance.now() - started, output });
    });
  });
}

let failed = 0;
for (const file of examples) {
  const result = await run(file);
  const time = `${Math.round(result.ms)} ms`;
  if (result.ok) {
    console.log(`ok   ${file} (${time})`);
  } else {
    failed++;
    console.log(`FAIL ${file} (${result.reason}, ${time})\n${result.output.replace(/^/gm, '     ')}`);
  }
}
console.log(`\n${examples.length - failed} of ${examples.length} examples ran cleanly.`);
process.exitCode = failed === 0 ? 0 : 1;

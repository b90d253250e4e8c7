/**
 * `npm run bench`: every section in one run, each in fresh child processes, printed as
 * one table with ratios to the same run's baseline, the target and PASS/MISS, plus the
 * machine, Node and library versions. Runs from source (scripts/register-source.mjs),
 * so no build step is needed. Results are also written to bench/results/ (git-ignored).
 *
 * Environment knobs (for quick looks; the defaults are what the README table uses):
 * BENCH_REPS (micro repetitions, 5), BENCH_TIME (ms per micro task, 200),
 * BENCH_MEM_REPS (processes per memory variant, P3 and P6, 3), BENCH_HTTP_ROUNDS (30), BENCH_HTTP_COUNT (200), BENCH_HANG_COUNT (2000), BENCH_HANG_ROUNDS (10),
 * BENCH_REQUESTS (P6 requests per process, 100,000).
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildRows, renderTable } from './report.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  console.error(`Failed to start the bench: it needs Node >= 22.15 (type stripping and module.registerHooks), got ${process.version}. Please run it with \`npm run bench\`, which uses the project's Node 22.`);
  process.exit(1);
}

const root = new URL('../', import.meta.url);
const register = fileURLToPath(new URL('scripts/register-source.mjs', root));
const MEM_REPS = Number(process.env.BENCH_MEM_REPS ?? 3);

/** Runs one bench file in a fresh process and resolves with the message it sends back. */
function child(file, args = [], execArgv = []) {
  return new Promise((resolve, reject) => {
    let result;
    const proc = fork(fileURLToPath(new URL(file, import.meta.url)), args, {
      execArgv: ['--import', register, ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    proc.on('message', (message) => (result = message));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`${file} ${args.join(' ')} exited with code ${code}`))));
  });
}

function versionOf(name) {
  return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8')).version;
}

function step(label) {
  process.stderr.write(`bench: ${label}...\n`);
}

async function main() {
  const started = Date.now();
  const load = [loadavg()[0]];
  const results = {};
  step('P1 closed path');
  results.closed = await child('micro.mjs', ['closed']);
  step('P2 open path');
  results.open = await child('micro.mjs', ['open']);
  step('P3 memory, timers, idle CPU');
  results.memory = [];
  for (let rep = 0; rep < MEM_REPS; rep++) {
    for (const variant of ['keys', 'breakerbox', 'cockatiel', 'opossum']) {
      results.memory.push(await child('memory.mjs', [variant], ['--expose-gc']));
    }
  }
  step('P4 whole path over HTTP');
  results.http = await child('http.mjs');
  step('P5 open origin, hung server');
  results.hang = await child('open-hang.mjs');
  step('P6 memory of finished requests');
  results.requestMemory = [];
  for (let rep = 0; rep < MEM_REPS; rep++) {
    for (const variant of ['bare', 'breakerbox']) results.requestMemory.push(await child('request-memory.mjs', [variant], ['--expose-gc']));
  }
  step('R1 the pipeline with retry and bulkhead configured');
  results.pipeline = await child('pipeline.mjs');
  if (existsSync(new URL('otel.mjs', import.meta.url))) {
    step('O1 OpenTelemetry instrumentation');
    results.otel = await child('otel.mjs');
  }
  load.push(loadavg()[0]);

  const cpu = cpus();
  const environment = {
    date: new Date().toISOString(),
    cpu: `${cpu[0]?.model ?? 'unknown'} × ${cpu.length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    load: load.map((l) => l.toFixed(2)).join(' → '),
    libraries: ['cockatiel', 'opossum', 'axios', 'ky', 'tinybench', '@opentelemetry/sdk-metrics'].map((name) => `${name} ${versionOf(name)}`).join(', '),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const rows = buildRows(results);
  console.log(renderTable(environment, rows));

  const dir = new URL('bench/results/', root);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${environment.date.replace(/[:.]/g, '-')}.json`, dir);
  writeFileSync(file, JSON.stringify({ environment, rows, results }, null, 1));
  process.stderr.write(`bench: raw results in ${fileURLToPath(file)}\n`);
}

await main();

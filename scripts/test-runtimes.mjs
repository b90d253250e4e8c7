/**
 * `npm run test:runtimes`: the conformance subset (test/runtimes/conformance.ts) on Bun,
 * Deno and workerd, from their npm packages in node_modules/.bin, against a loopback
 * server that Node runs (test/runtimes/conformance-server.mjs).
 *
 * Each runtime gets a bundle esbuild builds from src/ (tsconfig `paths` map the package
 * entries) into a temporary folder, removed afterwards: no `npm run build` needed, nothing
 * written to the working tree. Bun and Deno run it as a script; workerd serves it as a
 * Worker on a loopback port, and this script asks it to run the checks once.
 *
 * `npm run test:runtimes -- deno bun` runs only those. Exits 1 if any runtime fails or
 * cannot be started (a missing binary is a failure, not a skip).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startConformanceServer } from '../test/runtimes/conformance-server.mjs';

const TIME_LIMIT = 60_000;
/**
 * The Worker's compatibility date: the first on which workerd defines WeakRef and
 * FinalizationRegistry (flag `enable_weak_ref`), which src/core/attempt-signal.ts uses at
 * import. With an earlier date the bundle fails to load: "FinalizationRegistry is not
 * defined". The README names this date.
 */
const COMPATIBILITY_DATE = '2025-05-05';
const root = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

/**
 * How each runtime runs the bundle at `file`: the command line of a script that prints its
 * own report (Bun, Deno), or, for workerd, a function that serves it and fetches the report.
 */
const runtimes = {
  bun: { entry: 'main.ts', version: [bin('bun'), '--version'], run: ({ file }) => [bin('bun'), 'run', file] },
  deno: {
    entry: 'main.ts',
    version: [bin('deno'), '--version'],
    // Network for loopback only; no prompts (a missing permission fails instead of waiting).
    run: ({ file }) => [bin('deno'), 'run', '--no-prompt', '--allow-net=127.0.0.1', file],
  },
  workerd: { entry: 'worker.ts', version: [bin('workerd'), '--version'], run: runWorkerd },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in runtimes));
if (unknown.length > 0) {
  console.error(`test:runtimes: unknown runtime(s) ${unknown.join(', ')}; expected some of ${Object.keys(runtimes).join(', ')}.`);
  process.exit(1);
}
const selected = wanted.length > 0 ? wanted : Object.keys(runtimes);
const temp = mkdtempSync(join(tmpdir(), 'breakerbox-runtimes-'));

/** Runs a command; resolves with its exit code and output (also printed, each line prefixed). */
function execute(argv, { cwd, prefix, env = {}, echo = true } = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk) => {
      output += chunk;
      if (echo) process.stdout.write(String(chunk).replace(/^(?=.)/gm, prefix ?? ''));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), TIME_LIMIT);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}${error.message}\n` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `${signal} (after ${TIME_LIMIT / 1000} s?)` : code, output });
    });
  });
}

async function bundle(name, entry, origin) {
  const outdir = join(temp, name);
  mkdirSync(outdir, { recursive: true });
  const file = join(outdir, 'conformance.mjs');
  await build({
    entryPoints: [join(root, 'test', 'runtimes', entry)],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: name === 'workerd' ? ['workerd', 'worker', 'browser'] : [],
    define: { BREAKERBOX_CONFORMANCE_BASE: JSON.stringify(origin) },
    logLevel: 'warning',
  });
  return { dir: outdir, file };
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, deadline) {
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.end() && true));
      socket.on('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * workerd: a config serving the bundle as a module Worker on a loopback port, with a
 * `BASE_URL` binding and an outbound network that allows loopback ("local"); workerd's
 * default outbound allows public addresses only. One GET runs the checks.
 */
async function runWorkerd({ dir, origin, prefix }) {
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "conformance", worker = .conformanceWorker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "conformance")],
);

const conformanceWorker :Workerd.Worker = (
  modules = [(name = "conformance.mjs", esModule = embed "conformance.mjs")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  bindings = [(name = "BASE_URL", text = ${JSON.stringify(origin)})],
  globalOutbound = "loopback",
);
`,
  );
  const child = spawn(bin('workerd'), ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const show = (text) => process.stdout.write(text.replace(/^(?=.)/gm, prefix));
  try {
    if (!(await waitForPort(port, Date.now() + 20_000))) {
      show(`workerd did not listen on 127.0.0.1:${port}\n${log}`);
      return { code: 1, output: log };
    }
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(TIME_LIMIT) });
    const text = await response.text();
    show(text);
    if (log.trim()) show(log.replace(/^(?=.)/gm, '[workerd] '));
    return { code: response.status === 200 ? 0 : 1, output: text };
  } catch (error) {
    show(`the request to the Worker failed: ${error.cause?.message ?? error.message}\n${log.replace(/^(?=.)/gm, '[workerd] ')}`);
    return { code: 1, output: log };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const summary = [];
try {
  for (const name of selected) {
    const runtime = runtimes[name];
    const prefix = `  ${name.padEnd(7)}| `;
    const version = await execute(runtime.version, { echo: false });
    if (version.code !== 0) {
      console.log(`FAIL ${name}: cannot start ${runtime.version[0]}: ${version.output.trim()}`);
      summary.push([name, false]);
      continue;
    }
    const server = await startConformanceServer();
    try {
      let built;
      try {
        built = await bundle(name, runtime.entry, server.origin);
      } catch (error) {
        console.log(`FAIL ${name}: esbuild could not bundle test/runtimes/${runtime.entry}: ${error.message}`);
        summary.push([name, false]);
        continue;
      }
      const { dir, file } = built;
      const extra = name === 'workerd' ? `, compatibility date ${COMPATIBILITY_DATE}` : '';
      console.log(`${name} (${version.output.split('\n')[0].trim()}${extra}): test/runtimes/${runtime.entry} bundled from src/, against ${server.origin}`);
      const argv = runtime.run({ dir, file, origin: server.origin, prefix });
      const result = Array.isArray(argv) ? await execute(argv, { cwd: dir, prefix, env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } }) : await argv;
      // Passed only if it exited cleanly and printed its own PASS line.
      const ok = result.code === 0 && /^PASS .*: (\d+) of \1 checks passed$/m.test(result.output);
      if (!ok && result.code !== 0) console.log(`${prefix}exit: ${result.code}`);
      summary.push([name, ok]);
    } finally {
      await server.close();
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

console.log(`\ntest:runtimes: ${summary.map(([name, ok]) => `${name} ${ok ? 'pass' : 'FAIL'}`).join(', ')}`);
process.exitCode = summary.every(([, ok]) => ok) ? 0 : 1;

/**
 * `npm run bench:cascade`: what a breaker does for a service when one of its dependencies
 * dies. A node:http service (bench/cascade-service.mjs) has two routes, each calling its
 * own dependency on loopback (bench/cascade-deps.mjs); a closed-loop load generator
 * (bench/cascade-load.mjs) drives both routes for a fixed time, paced (a fixed rate per
 * route, open loop: the latencies) or closed (fixed connections: the saturated
 * throughput). Mid-run the second dependency goes down, then heals. Scenarios: `hang` (it
 * holds every request) and `slow-503` (it answers 503 after 2 s).
 *
 * Contenders: bare fetch with `AbortSignal.timeout`, breakerbox's `createFetch`, fetch in
 * cockatiel's breaker + timeout, fetch in opossum (bench/cascade-contenders.mjs). Every run
 * starts the dependencies, the service and the load generator as three fresh processes;
 * contenders alternate (the order rotates each scenario and round). Runs from source
 * (scripts/register-source.mjs). Prints one Markdown table per scenario with the targets
 * of issue 15, and writes it, the raw numbers and one SVG chart per scenario to
 * bench/output/ (git-ignored).
 *
 * Knobs (defaults in brackets; the README's run uses the defaults):
 * CASCADE_SCALE [1]: multiplies every phase (0.3 for a smoke run); phases: warm-up 2 s,
 *   healthy 3 s, outage 8 s, healed 5 s: 18 s per run, 12 runs, about 4 minutes.
 * CASCADE_CASES [hang:paced,slow-503:paced,hang:closed], CASCADE_RATE [100 req/s per
 * route, paced], CASCADE_CONNECTIONS [16 per route, closed], CASCADE_ROUNDS [1],
 * CASCADE_TIMEOUT_MS [2500], CASCADE_OPEN_MS [2000],
 * CASCADE_CONTENDERS [bare,breakerbox,cockatiel,opossum].
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderCascadeChart } from './cascade-chart.mjs';
import { median } from './stats.mjs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  console.error(`Failed to start the cascade bench: it needs Node >= 22.15 (type stripping and module.registerHooks), got ${process.version}. Please run it with \`npm run bench:cascade\`, which uses the project's Node 22.`);
  process.exit(1);
}

const env = process.env;
const SCALE = Number(env.CASCADE_SCALE ?? 1);
const PHASES = { warmup: 2000 * SCALE, before: 3000 * SCALE, outage: 8000 * SCALE, after: 5000 * SCALE };
const ROUNDS = Number(env.CASCADE_ROUNDS ?? 1);
const CONNECTIONS = Number(env.CASCADE_CONNECTIONS ?? 16);
const TIMEOUT_MS = Number(env.CASCADE_TIMEOUT_MS ?? 2500);
const OPEN_MS = Number(env.CASCADE_OPEN_MS ?? 2000);
const RATE = Number(env.CASCADE_RATE ?? 100);
const CONTENDERS = (env.CASCADE_CONTENDERS ?? 'bare,breakerbox,cockatiel,opossum').split(',');
/** `scenario:mode` pairs; see the file comment. */
const CASES = (env.CASCADE_CASES ?? 'hang:paced,slow-503:paced,hang:closed').split(',').map((pair) => {
  const [scenario, mode] = pair.split(':');
  if (!['hang', 'slow-503'].includes(scenario) || !['paced', 'closed'].includes(mode)) throw new Error(`CASCADE_CASES: expected scenario:mode pairs such as hang:paced or slow-503:closed, got ${pair}`);
  return { scenario, mode, key: `${scenario}-${mode}` };
});
const BIN_MS = 100;
/** Recovered: the first of two 100 ms bins in a row where ≥ 90 % of the dying route's requests succeeded. */
const RECOVERED_SHARE = 0.9;

const root = new URL('../', import.meta.url);
const register = fileURLToPath(new URL('scripts/register-source.mjs', root));
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Forks `file` and resolves with the first message of type `ready` (or `started`). */
function start(file, args, { source = false, advanced = false, extraEnv = {} } = {}) {
  const proc = fork(here(file), args, {
    execArgv: source ? ['--import', register] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: advanced ? 'advanced' : 'json',
    env: { ...env, ...extraEnv },
  });
  const next = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code) => reject(new Error(`${file} ${args.join(' ')} exited with code ${code} before sending '${type}'`));
      proc.on('message', onMessage);
      proc.once('exit', onExit);
    });
  return { proc, next };
}

function ask(child, type, extra = {}) {
  const reply = child.next(type);
  child.proc.send({ type, ...extra });
  return reply;
}

const sleepUntil = (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - (performance.timeOrigin + performance.now()))));

async function runOnce(contender, { scenario, mode }) {
  const deps = start('cascade-deps.mjs', []);
  const ports = await deps.next('ready');
  const service = start('cascade-service.mjs', [contender, ports.healthy, ports.dying], {
    source: true,
    extraEnv: { CASCADE_TIMEOUT_MS: String(TIMEOUT_MS), CASCADE_OPEN_MS: String(OPEN_MS) },
  });
  const { port } = await service.next('ready');
  const cpuBefore = await new Promise((resolve) => {
    service.proc.once('message', resolve);
    service.proc.send('cpu');
  });

  const total = PHASES.warmup + PHASES.before + PHASES.outage + PHASES.after;
  const load = start('cascade-load.mjs', [port, total, mode, mode === 'closed' ? CONNECTIONS : RATE], { advanced: true });
  const { at: startedAt } = await load.next('started');
  const done = load.next('done');
  await sleepUntil(startedAt + PHASES.warmup + PHASES.before);
  const failed = await ask(deps, 'fail', { mode: scenario === 'hang' ? 'hang' : 'slow-503' });
  await sleepUntil(failed.at + PHASES.outage);
  const healed = await ask(deps, 'heal');
  const { records } = await done;
  const final = await ask(deps, 'counts');
  const cpuAfter = await new Promise((resolve) => {
    service.proc.once('message', resolve);
    service.proc.send('cpu');
  });
  for (const child of [service, deps]) child.proc.disconnect();
  await Promise.all([service, deps, load].map(({ proc }) => (proc.exitCode === null ? new Promise((resolve) => proc.once('exit', resolve)) : undefined)));

  return analyse({
    contender,
    scenario,
    mode,
    records,
    startedAt,
    measuredFrom: startedAt + PHASES.warmup,
    outageAt: failed.at,
    healAt: healed.at,
    endAt: startedAt + total,
    reachedDying: healed.counts.outage,
    reachedDyingAfter: final.counts.after,
    serviceCpuUs: cpuAfter.cpuUs - cpuBefore.cpuUs,
  });
}

function quantiles(values) {
  const sorted = Float64Array.from(values).sort();
  const at = (p) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

function analyse({ contender, scenario, mode, records, startedAt, measuredFrom, outageAt, healAt, endAt, reachedDying, reachedDyingAfter, serviceCpuUs }) {
  const requests = [];
  for (let i = 0; i < records.length; i += 4) requests.push({ route: records[i], start: records[i + 1], latency: records[i + 2], status: records[i + 3] });
  const route = (r, from, to) => requests.filter((q) => q.route === r && q.start >= from && q.start < to);
  // Outage victims: every request in flight at some point of the outage, including those
  // sent just before it began (in a closed loop, they are most of the dying route's).
  const during = (r) => requests.filter((q) => q.route === r && q.start < healAt && q.start + q.latency > outageAt);
  const measured = requests.filter((q) => q.start >= measuredFrom && q.start < endAt);
  const seconds = (endAt - measuredFrom) / 1000;

  // Recovery: 100 ms bins from the heal on, by request start.
  let recoveryMs = Number.NaN;
  const after = route(1, healAt, endAt);
  const binsAfter = Math.ceil((endAt - healAt) / BIN_MS);
  const share = (bin) => {
    const inBin = after.filter((q) => q.start >= healAt + bin * BIN_MS && q.start < healAt + (bin + 1) * BIN_MS);
    return inBin.length === 0 ? 0 : inBin.filter((q) => q.status === 200).length / inBin.length;
  };
  for (let bin = 0; bin < binsAfter - 1; bin++) {
    if (share(bin) >= RECOVERED_SHARE && share(bin + 1) >= RECOVERED_SHARE) {
      recoveryMs = bin * BIN_MS;
      break;
    }
  }

  // Chart series: per 100 ms bin since the load started, p50 and p99 of each route, by
  // completion: a request that hung shows where it ended, as the wait its caller saw.
  const bins = Math.ceil((endAt - startedAt) / BIN_MS);
  const series = {};
  for (const [name, r] of [
    ['healthy', 0],
    ['dying', 1],
  ]) {
    const byBin = Array.from({ length: bins }, () => []);
    for (const q of requests) {
      const bin = Math.floor((q.start + q.latency - startedAt) / BIN_MS);
      if (q.route === r && bin >= 0 && bin < bins) byBin[bin].push(q.latency);
    }
    const stats = byBin.map(quantiles);
    series[name] = { p50: stats.map((s) => s.p50), p99: stats.map((s) => s.p99) };
  }

  return {
    contender,
    scenario,
    mode,
    throughput: measured.length / seconds,
    serviceCpuUsPerRequest: serviceCpuUs / Math.max(1, requests.length),
    healthyBefore: quantiles(route(0, measuredFrom, outageAt).map((q) => q.latency)),
    healthyOutage: quantiles(during(0).map((q) => q.latency)),
    dyingOutage: quantiles(during(1).map((q) => q.latency)),
    dyingOutageOk: during(1).filter((q) => q.status === 200).length,
    healthyErrors: route(0, measuredFrom, endAt).filter((q) => q.status !== 200).length,
    reachedDying,
    reachedDyingAfter,
    recoveryMs,
    outageSeconds: (healAt - outageAt) / 1000,
    chart: { outage: [(outageAt - startedAt) / 1000, (healAt - startedAt) / 1000], seconds: (endAt - startedAt) / 1000, series },
  };
}

const ms = (value) => (!Number.isFinite(value) ? 'n/a' : value >= 100 ? `${Math.round(value).toLocaleString('en-US')} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`);
const triple = (q) => `${ms(q.p50)} / ${ms(q.p99)} / ${ms(q.p999)}`;
const pass = (ok) => (ok ? 'PASS' : 'MISS');

/** Medians over rounds of each number a run reports; the chart is the first round's. */
function combine(runs) {
  const med = (pick) => median(runs.map(pick));
  const q = (pick) => ({ p50: med((r) => pick(r).p50), p99: med((r) => pick(r).p99), p999: med((r) => pick(r).p999), n: med((r) => pick(r).n) });
  return {
    contender: runs[0].contender,
    rounds: runs.length,
    throughput: med((r) => r.throughput),
    serviceCpuUsPerRequest: med((r) => r.serviceCpuUsPerRequest),
    healthyBefore: q((r) => r.healthyBefore),
    healthyOutage: q((r) => r.healthyOutage),
    dyingOutage: q((r) => r.dyingOutage),
    dyingOutageOk: med((r) => r.dyingOutageOk),
    healthyErrors: med((r) => r.healthyErrors),
    reachedDying: med((r) => r.reachedDying),
    recoveryMs: med((r) => (Number.isFinite(r.recoveryMs) ? r.recoveryMs : Infinity)),
    chart: runs[0].chart,
  };
}

const describeCase = ({ scenario, mode }) =>
  `${scenario === 'hang' ? 'The dependency hangs' : 'The dependency answers 503 after 2 s'}, ${mode === 'paced' ? `paced load (${RATE} req/s per route)` : `saturated (${CONNECTIONS} closed-loop connections per route)`}`;

function caseTable(testCase, results) {
  const paced = testCase.mode === 'paced';
  const header = ['contender', paced ? 'answered req/s' : 'req/s', 'healthy p50 / p99 / p99.9, outage', 'healthy p99 before', 'dying p50 / p99 / p99.9, outage', 'reached the dying host', 'recovery after heal', 'service CPU / req'];
  const rows = results.map((r) => [
    r.contender,
    Math.round(r.throughput).toLocaleString('en-US'),
    triple(r.healthyOutage),
    ms(r.healthyBefore.p99),
    triple(r.dyingOutage),
    `${r.reachedDying.toLocaleString('en-US')} of ${r.dyingOutage.n.toLocaleString('en-US')}`,
    Number.isFinite(r.recoveryMs) ? `${(r.recoveryMs / 1000).toFixed(1)} s` : 'not within the run',
    `${Math.round(r.serviceCpuUsPerRequest)} µs`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const lines = [`### ${describeCase(testCase)}`, '', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];

  const bb = results.find((r) => r.contender === 'breakerbox');
  const peers = results.filter((r) => r.contender !== 'breakerbox' && r.contender !== 'bare');
  const all = results.filter((r) => r.contender !== 'breakerbox');
  if (bb !== undefined && peers.length > 0) {
    const bestHealthy = Math.min(...peers.map((r) => r.healthyOutage.p99));
    const bestDying99 = Math.min(...peers.map((r) => r.dyingOutage.p99));
    const bestDying999 = Math.min(...peers.map((r) => r.dyingOutage.p999));
    const bestThroughput = Math.max(...all.map((r) => r.throughput));
    lines.push(
      `- ${pass(bb.healthyOutage.p99 <= bestHealthy * 1.1)} healthy route p99 during the outage within 10 % of the best peer's: ${ms(bb.healthyOutage.p99)} against ${ms(bestHealthy)} (${bb.healthyOutage.p99 >= bestHealthy ? '+' : ''}${((bb.healthyOutage.p99 / bestHealthy - 1) * 100).toFixed(0)} %)`,
      `- ${pass(bb.dyingOutage.p99 < bestDying99)} dying route p99 ahead of every peer: ${ms(bb.dyingOutage.p99)} against ${ms(bestDying99)}`,
      `- ${pass(bb.dyingOutage.p999 < bestDying999)} dying route p99.9 ahead of every peer: ${ms(bb.dyingOutage.p999)} against ${ms(bestDying999)}`,
    );
    // Under paced load every contender answers the same offered rate: throughput is only a target when saturated.
    if (!paced) lines.push(`- ${pass(bb.throughput > bestThroughput)} throughput ahead of every contender: ${Math.round(bb.throughput).toLocaleString('en-US')} against ${Math.round(bestThroughput).toLocaleString('en-US')} req/s`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const startedAt = Date.now();
  const loads = [loadavg()[0]];
  const runs = [];
  let turn = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const testCase of CASES) {
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + turn) % CONTENDERS.length]);
      turn++;
      for (const contender of order) {
        process.stderr.write(`cascade: round ${round + 1}/${ROUNDS}, ${testCase.key}, ${contender}...\n`);
        runs.push(await runOnce(contender, testCase));
        loads.push(loadavg()[0]);
      }
    }
  }

  const cpu = cpus();
  const environment = {
    date: new Date().toISOString(),
    machine: `${cpu[0]?.model ?? 'unknown'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    load: `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (1-min average, sampled between runs)`,
    settings: `paced ${RATE} req/s per route or ${CONNECTIONS} closed-loop connections per route; timeout ${TIMEOUT_MS} ms; breakers open after 5 failures for ${OPEN_MS} ms; phases ${PHASES.warmup / 1000} s warm-up, ${PHASES.before / 1000} s healthy, ${PHASES.outage / 1000} s outage, ${PHASES.after / 1000} s healed; ${ROUNDS} round(s)`,
    seconds: Math.round((Date.now() - startedAt) / 1000),
  };
  const dir = new URL('output/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = environment.date.replace(/[:.]/g, '-');
  const sections = [
    `## Cascade bench — ${environment.date}`,
    '',
    `machine: ${environment.machine}; node ${environment.node}; load average ${environment.load}; ${environment.seconds} s`,
    `settings: ${environment.settings}`,
    '"Outage": every request in flight at some point between the moment the dependency failed and its heal. Reached the dying host: requests that arrived there during the outage, of the dying route\'s requests in that window. Recovery: until ≥ 90 % of the dying route\'s requests succeed in two 100 ms bins in a row. Paced latencies count from the moment a request was due.',
    '',
  ];
  const combined = {};
  for (const testCase of CASES) {
    const results = CONTENDERS.map((contender) => combine(runs.filter((r) => r.scenario === testCase.scenario && r.mode === testCase.mode && r.contender === contender)));
    combined[testCase.key] = results;
    sections.push(caseTable(testCase, results));
    const svg = renderCascadeChart({
      title: `Cascade: ${describeCase(testCase).replace(/^The/, 'the')}`,
      subtitle: `latency of the requests completed in each ${BIN_MS} ms (log scale); timeout ${TIMEOUT_MS} ms; ${environment.node}, ${environment.date.slice(0, 10)}`,
      seconds: results[0].chart.seconds,
      panels: results.map((r) => ({
        name: r.contender,
        note: `${testCase.mode === 'closed' ? `${Math.round(r.throughput).toLocaleString('en-US')} req/s; ` : ''}dying p99 ${ms(r.dyingOutage.p99)}; ${r.reachedDying.toLocaleString('en-US')} reached the dying host; recovered ${Number.isFinite(r.recoveryMs) ? `${(r.recoveryMs / 1000).toFixed(1)} s` : 'n/a'} after the heal`,
        outage: r.chart.outage,
        binSeconds: BIN_MS / 1000,
        series: r.chart.series,
      })),
    });
    const chartFile = new URL(`cascade-${testCase.key}-${stamp}.svg`, dir);
    writeFileSync(chartFile, svg);
    writeFileSync(new URL(`cascade-${testCase.key}-latest.svg`, dir), svg);
    process.stderr.write(`cascade: chart in ${fileURLToPath(chartFile)}\n`);
  }
  const report = sections.join('\n');
  console.log(report);
  writeFileSync(new URL(`cascade-${stamp}.md`, dir), `${report}\n`);
  const strip = (r) => ({ ...r, chart: undefined });
  writeFileSync(new URL(`cascade-${stamp}.json`, dir), JSON.stringify({ environment, combined: Object.fromEntries(Object.entries(combined).map(([k, v]) => [k, v.map(strip)])), runs: runs.map(strip) }, null, 1));
}

await main();

/**
 * Turns the raw section results into table rows (value, ratio to the section's
 * baseline, target, PASS/MISS) and renders them as an aligned Markdown table, so the
 * same text reads well in a terminal and pastes into the README.
 */
import { formatBytes, formatNs, formatRatio, median, percentile } from './stats.mjs';

const pass = (ok) => (ok ? 'PASS' : 'MISS');

/** Median over repetitions of `a[r] - b[r]`: pairs share a repetition's noise. */
function pairedDelta(a, b) {
  return median(a.map((value, r) => value - b[r]));
}

function closedRows({ samples: s }) {
  const bare = median(s.bare);
  const over = (name) => Math.max(1, pairedDelta(s[name], s.bareOf[name]));
  const bb = over('breakerbox');
  const sync = median(s['breakerbox-sync']);
  const row = (id, task, name, target, status, notes) => ({ id, task, result: formatNs(median(s[name])), ratio: formatRatio(median(s[name]) / bare), target, status, notes });
  const vs = (name) => over(name) / bb;
  return [
    row('P1.0', 'bare `await noop()`', 'bare', 'baseline', '', ''),
    row('P1.1', 'breakerbox: admit → `await noop()` → record', 'breakerbox', 'overhead ≤ 100 ns', pass(bb <= 100), `overhead ${formatNs(bb)}`),
    row('P1.2', 'breakerbox: admit + record alone (sync)', 'breakerbox-sync', '≤ 100 ns', pass(sync <= 100), ''),
    {
      id: 'P1.3',
      task: 'breakerbox: as P1.1, the origin changes every call',
      result: formatNs(median(s['breakerbox-4-origins'])),
      ratio: formatRatio(median(s['breakerbox-4-origins']) / bare),
      target: '',
      status: '',
      notes: `overhead ${formatNs(pairedDelta(s['breakerbox-4-origins'], s.bareOf['breakerbox-4-origins']))}: no last-origin shortcut`,
    },
    row('P1.4', 'cockatiel ConsecutiveBreaker(5)', 'cockatiel', 'breakerbox ≥ 2× faster', pass(vs('cockatiel') >= 2), `overhead ${formatNs(over('cockatiel'))}: breakerbox ${formatRatio(vs('cockatiel'))} faster`),
    row('P1.5', 'opossum (defaults: 10 s timeout)', 'opossum', 'breakerbox ≥ 8× faster', pass(vs('opossum') >= 8), `overhead ${formatNs(over('opossum'))}: breakerbox ${formatRatio(vs('opossum'))} faster`),
    row('P1.6', 'opossum `timeout: false`', 'opossum-lean', '', '', `overhead ${formatNs(over('opossum-lean'))}: breakerbox ${formatRatio(vs('opossum-lean'))} faster`),
  ];
}

function openRows({ samples: s }) {
  const bare = median(s.bare);
  const m = (name) => median(s[name]);
  const fb = m('breakerbox-fallback');
  const err = m('breakerbox-error');
  const row = (id, task, name, target, status, notes) => ({ id, task, result: formatNs(m(name)), ratio: formatRatio(m(name) / bare), target, status, notes });
  const faster = (name) => m(name) / fb;
  return [
    row('P2.0', 'bare `await noop()`', 'bare', 'baseline', '', ''),
    row('P2.1', 'breakerbox: refused → value fallback', 'breakerbox-fallback', '≤ 300 ns', pass(fb <= 300), ''),
    // No target: every library builds one Error here, and its stack capture dominates.
    row('P2.2', 'breakerbox: refused → `CircuitOpenError`', 'breakerbox-error', '', '', `cockatiel ${formatRatio(m('cockatiel-error') / err)}, opossum ${formatRatio(m('opossum-error') / err)} of this`),
    row('P2.3', 'breakerbox: refusal decision alone (sync)', 'breakerbox-refuse-sync', '', '', ''),
    row('P2.4', 'cockatiel open → `BrokenCircuitError`', 'cockatiel-error', 'fallback ≥ 10× faster', pass(faster('cockatiel-error') >= 10), `breakerbox fallback ${formatRatio(faster('cockatiel-error'))} faster`),
    row('P2.5', 'opossum open → `EOPENBREAKER`', 'opossum-error', 'fallback ≥ 10× faster', pass(faster('opossum-error') >= 10), `breakerbox fallback ${formatRatio(faster('opossum-error'))} faster`),
    row('P2.6', 'cockatiel open → `wrap(fallback)` value', 'cockatiel-fallback', '', '', `breakerbox fallback ${formatRatio(faster('cockatiel-fallback'))} faster`),
    row('P2.7', 'opossum open → `.fallback()` value', 'opossum-fallback', '', '', `breakerbox fallback ${formatRatio(faster('opossum-fallback'))} faster`),
    row('P2.8', 'reference: `new Error()`, rejected and caught', 'new-error', '', '', ''),
    row('P2.9', '`new CircuitOpenError()` alone', 'circuit-open-error-new', '< 1 µs', pass(m('circuit-open-error-new') < 1000), 'no call frames captured; stack keeps name and message'),
  ];
}

function memoryRows(runs) {
  const by = (variant, key) => median(runs.filter((r) => r.variant === variant).map((r) => r[key]));
  const keys = by('keys', 'bytesPerOrigin');
  const net = (variant) => by(variant, 'bytesPerOrigin') - keys;
  const bb = net('breakerbox');
  const notes = (variant) => `${formatBytes(by(variant, 'bytesPerOrigin'))} with key; ${by(variant, 'timers')} timers (${by(variant, 'refTimers')} ref'd); idle ${by(variant, 'idleCpuMsPerS').toFixed(1)} ms CPU/s; built in ${Math.round(by(variant, 'createMs'))} ms`;
  const row = (id, task, variant, target, status) => ({ id, task, result: `${formatBytes(net(variant))} / origin`, ratio: `${formatRatio(net(variant) / bb)} bb`, target, status, notes: notes(variant) });
  const bbTimers = by('breakerbox', 'timers');
  const bbIdle = by('breakerbox', 'idleCpuMsPerS');
  const keysIdle = by('keys', 'idleCpuMsPerS');
  return [
    { id: 'P3.0', task: 'baseline: a Map of 10,000 origin keys', result: `${formatBytes(keys)} / origin`, ratio: '', target: 'baseline', status: '', notes: `idle ${keysIdle.toFixed(1)} ms CPU/s` },
    {
      id: 'P3.1',
      task: 'breakerbox, 10,000 origins × 10 calls, with its key',
      result: `${formatBytes(by('breakerbox', 'bytesPerOrigin'))} / origin`,
      ratio: '',
      target: '≤ 256 B with its key',
      status: pass(by('breakerbox', 'bytesPerOrigin') <= 256),
      notes: `${formatBytes(bb)} net of the baseline's Map and keys; ${notes('breakerbox').replace(/^[^;]*; /, '')}`,
    },
    { id: 'P3.2', task: 'breakerbox: timers owned, idle CPU', result: `${bbTimers} timers, ${bbIdle.toFixed(1)} ms/s`, ratio: '', target: '0 timers, idle ≈ baseline (+1 ms/s)', status: pass(bbTimers === 0 && bbIdle <= keysIdle + 1), notes: '' },
    row('P3.3', 'cockatiel ConsecutiveBreaker, same', 'cockatiel', '', ''),
    row('P3.4', 'opossum defaults, same', 'opossum', '', ''),
  ];
}

function httpRows(http) {
  const rows = [];
  let n = 0;
  for (const [name, result] of Object.entries(http)) {
    if (result.skipped) {
      rows.push({ id: `P4.${n++}`, task: `${name}: bare vs breakerbox`, result: 'skipped: adapter not built', ratio: '', target: '', status: '', notes: '' });
      continue;
    }
    const sum = (variant, key) => result[variant].reduce((total, r) => total + r[key], 0);
    const rps = (variant) => sum(variant, 'count') / sum(variant, 'seconds');
    const cpu = (variant) => sum(variant, 'cpuUs') / sum(variant, 'count');
    // The control is a second bare process taking the same turns: bare vs control is the run's noise floor.
    const control = result.control === undefined ? undefined : rps('control') / rps('bare');
    const ratio = rps('guarded') / rps('bare');
    const adapter = { fetch: '`createFetch`', axios: '`attachToAxios`', ky: '`kyOptions`' }[name] ?? name;
    rows.push({ id: `P4.${n++}`, task: `${name} bare`, result: `${Math.round(rps('bare')).toLocaleString('en-US')} req/s`, ratio: '1.00×', target: 'baseline', status: '', notes: `client CPU ${cpu('bare').toFixed(0)} µs/req` });
    rows.push({ id: `P4.${n++}`, task: `${name} through ${adapter}`, result: `${Math.round(rps('guarded')).toLocaleString('en-US')} req/s`, ratio: `${(ratio * 100).toFixed(1)} %`, target: '≥ 97 % of bare', status: pass(ratio >= 0.97), notes: `client CPU ${cpu('guarded').toFixed(0)} µs/req${control === undefined ? '' : `; control (a second bare process) ${(control * 100).toFixed(1)} % of bare`}` });
  }
  return rows;
}

function hangRows(hang) {
  const rows = [];
  let n = 0;
  for (const [name, result] of Object.entries(hang)) {
    if (result.skipped) {
      rows.push({ id: `P5.${n++}`, task: `${name}: open origin, hung server`, result: 'skipped: adapter not built', ratio: '', target: '', status: '', notes: '' });
      continue;
    }
    for (const [kind, latencies] of Object.entries(result.latencies)) {
      // Issue 15: medians over alternated rounds, so one burst of load elsewhere sets one round's tail, not the row's.
      const rounds = result.rounds?.[kind] ?? [latencies];
      const p99s = rounds.map((round) => percentile(round, 99));
      const p50 = median(rounds.map((round) => percentile(round, 50)));
      const p99 = median(p99s);
      rows.push({
        id: `P5.${n++}`,
        task: `${name}: open, hung server → ${kind} fallback`,
        result: `p50 ${formatNs(p50)}, p99 ${formatNs(p99)}`,
        ratio: '',
        target: 'p99 < 1 ms (median of rounds), 0 sent',
        status: pass(p99 < 1e6 && result.serverHits === 0),
        notes: `median of ${rounds.length} alternated rounds; pooled p99 ${formatNs(percentile(latencies, 99))}, worst round ${formatNs(Math.max(...p99s))}; ${latencies.length} answered, ${result.serverHits} reached the server`,
      });
    }
  }
  return rows;
}

/** P6: heap left by 100,000 finished requests through createFetch (one long-lived caller signal, the box's timeout set). */
function requestMemoryRows(runs) {
  const by = (variant, key) => median(runs.filter((r) => r.variant === variant).map((r) => r[key]));
  const bare = by('bare', 'bytesPerRequest');
  const bb = by('breakerbox', 'bytesPerRequest');
  const requests = by('breakerbox', 'requests');
  const timers = by('breakerbox', 'timers');
  return [
    { id: 'P6.0', task: `baseline: ${requests.toLocaleString('en-US')} requests to an in-memory fetch, one caller signal`, result: `${formatBytes(bare)} / request`, ratio: '', target: 'baseline', status: '', notes: `heap growth ${formatBytes(by('bare', 'heapGrowth'))}` },
    {
      id: 'P6.1',
      task: 'same through `createFetch`, box `timeout: 30_000`',
      result: `${formatBytes(bb)} / request`,
      ratio: `+${formatBytes(bb - bare)}`,
      target: '≤ baseline + 8 B, 0 timers left',
      status: pass(bb - bare <= 8 && timers === 0),
      notes: `heap growth ${formatBytes(by('breakerbox', 'heapGrowth'))} after 2 GCs; ${timers} timers still alive`,
    },
  ];
}

export function buildRows(results) {
  return [
    ...closedRows(results.closed),
    ...openRows(results.open),
    ...memoryRows(results.memory),
    ...httpRows(results.http),
    ...hangRows(results.hang),
    ...(results.requestMemory ? requestMemoryRows(results.requestMemory) : []),
    // R1 and O1 rows come ready-made from bench/pipeline.mjs and bench/otel.mjs (their own baselines).
    ...(results.pipeline?.rows ?? []),
    ...(results.otel?.rows ?? []),
  ];
}

const columns = [
  ['id', '#'],
  ['task', 'task'],
  ['result', 'result'],
  ['ratio', 'vs baseline'],
  ['target', 'target'],
  ['status', ''],
  ['notes', 'notes'],
];

export function renderTable(environment, rows) {
  // A row without a target is there to read the others by (a peer, a reference cost): say so.
  rows = rows.map((row) => (row.target === '' && row.status === '' ? { ...row, target: 'reference' } : row));
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((row) => String(row[key]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  const header = [
    `breakerbox bench — ${environment.date}`,
    `machine: ${environment.cpu}, ${environment.memory}; load average ${environment.load}`,
    `node ${environment.node}; ${environment.libraries}; ${environment.seconds} s`,
    'P1/P2: each contender in a process of its own with its bare call; median over repetitions of the median sample, ns per call; overhead = the paired difference to its bare call.',
    'P3: heap per origin after 2 forced GCs (P3.1 with its key, the rest net of the Map and its keys); P4: totals over 30 rounds of 200 GETs, each variant in its own process taking turns, with a control (a second bare process) for the noise floor; P5: per request, medians over 10 alternated rounds;',
    'P6: heap growth per finished request after 2 forced GCs; O1: bench/otel.mjs, overhead of instrument() paired with its own bare call.',
    '',
  ];
  const misses = rows.filter((row) => row.status === 'MISS').length;
  const passes = rows.filter((row) => row.status === 'PASS').length;
  return [
    ...header,
    line(columns.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((row) => line(columns.map(([key]) => row[key]))),
    '',
    `${passes} PASS, ${misses} MISS`,
  ].join('\n');
}

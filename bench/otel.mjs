/**
 * O1: the closed path with `instrument()` on and off. Target: with an OpenTelemetry SDK
 * MeterProvider, breakerbox's overhead on a closed origin stays within 2× of it off.
 *
 *   node --import ./scripts/register-source.mjs bench/otel.mjs        # prints the rows
 *
 * Each variant runs in its own process (V8 shares type feedback across boxes, so a box
 * with listeners would slow the one without), next to the bare call it is paired with;
 * variants alternate over repetitions, so a noisy neighbour hurts them alike. Reported:
 * median over repetitions of (variant − bare) per call, from each task's median sample.
 * Forked by bench/run.mjs, it sends `{ section: 'otel', rows }` instead of printing.
 */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createBreakerBox } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { instrument } from 'breakerbox/otel';
import { Bench } from 'tinybench';
import { alternate } from './variant-process.mjs';
import { formatNs, formatRatio, median } from './stats.mjs';

const repetitions = Number(process.env.BENCH_REPS ?? 5);
const time = Number(process.env.BENCH_TIME ?? 200);
const BATCH = 100;
const URLS = Array.from({ length: 16 }, (_, i) => `https://api.example.com/v1/users?page=${i}`);
const VARIANTS = ['off', 'sdk', 'api-noop', 'event-only', 'fetch-off', 'fetch-sdk'];

const noop = async () => 1;

/** admit → `await noop()` → record, as an adapter runs it (bench/micro.mjs P1.1). */
async function guardedBatch(box) {
  for (let i = 0; i < BATCH; i++) {
    const permit = box.admit(URLS[i & 15]);
    if (!permit.allowed) throw new Error('expected a closed breaker');
    await noop();
    permit.record({ kind: 'response', status: 200 });
  }
}

/** A reader collected by hand, as a Prometheus scrape would (no export timer). */
class ManualReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

/** One variant: `{ task, check }`, where check() proves the instrumentation counted. */
function variant(name) {
  const box = createBreakerBox();
  const sdk = name.endsWith('sdk') ? new ManualReader() : undefined;
  if (sdk) instrument(box, { meterProvider: new MeterProvider({ readers: [sdk] }) });
  if (name === 'api-noop') instrument(box, { meterProvider: metrics.getMeterProvider() }); // nothing registered: the API's no-op
  // The core's share: with any 'outcome' listener, the box times each attempt (two clock reads) and builds its payload.
  if (name === 'event-only') box.on('outcome', () => {});
  if (!name.startsWith('fetch')) return { box, sdk, task: () => guardedBatch(box) };
  // A fetch that answers at once with one shared response: the whole createFetch path, no I/O.
  const response = new Response(null, { status: 200 });
  const resilientFetch = createFetch(box, { fetch: async () => response });
  return {
    box,
    sdk,
    task: async () => {
      for (let i = 0; i < BATCH; i++) await resilientFetch(URLS[i & 15]);
    },
  };
}

async function measure(name) {
  const { task, sdk } = variant(name);
  const bare = async () => {
    for (let i = 0; i < BATCH; i++) await noop();
  };
  const bench = new Bench({ time, throws: true });
  bench.add('bare', bare).add(name, task);
  await bench.run();
  const perCall = (taskName) => (bench.tasks.find((t) => t.name === taskName).result.latency.p50 * 1e6) / BATCH;
  let counted;
  if (sdk) {
    const { resourceMetrics } = await sdk.collect();
    const requests = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'breakerbox.requests');
    counted = requests.dataPoints.reduce((total, point) => total + point.value, 0);
    if (!(counted > 0)) throw new Error(`bench/otel.mjs: instrument() counted no attempts in variant ${name}`);
  }
  return { name, bare: perCall('bare'), value: perCall(name), counted };
}

function buildRows(runs) {
  const of = (name) => runs.filter((run) => run.name === name);
  const overhead = (name) => Math.max(1, median(of(name).map((run) => run.value - run.bare)));
  const perCall = (name) => median(of(name).map((run) => run.value));
  const bare = median(runs.map((run) => run.bare));
  const off = overhead('off');
  const sdk = overhead('sdk');
  const noopApi = overhead('api-noop');
  const eventOnly = overhead('event-only');
  const ratio = sdk / off;
  const counted = Math.min(...of('sdk').map((run) => run.counted));
  return [
    { id: 'O1.0', task: 'bare `await noop()`', result: formatNs(bare), ratio: '', target: 'baseline', status: '', notes: '' },
    { id: 'O1.1', task: 'closed path (admit → `await noop()` → record), instrument off', result: formatNs(perCall('off')), ratio: '', target: '', status: '', notes: `overhead ${formatNs(off)}` },
    {
      id: 'O1.2',
      task: 'same, `instrument(box)` on an SDK MeterProvider',
      result: formatNs(perCall('sdk')),
      ratio: `${formatRatio(ratio)} off`,
      target: '≤ 2× off',
      status: ratio <= 2 ? 'PASS' : 'MISS',
      notes: `overhead ${formatNs(sdk)}; the SDK counted ${counted.toLocaleString('en-US')} attempts`,
    },
    { id: 'O1.3', task: 'same, `instrument(box)`, no SDK registered (API no-op)', result: formatNs(perCall('api-noop')), ratio: `${formatRatio(noopApi / off)} off`, target: '', status: '', notes: `overhead ${formatNs(noopApi)}` },
    {
      id: 'O1.4',
      task: 'same, an empty `outcome` listener instead (the core timing attempts)',
      result: formatNs(perCall('event-only')),
      ratio: `${formatRatio(eventOnly / off)} off`,
      target: '',
      status: '',
      notes: `overhead ${formatNs(eventOnly)}: breakerbox/otel's listeners add ${formatNs(noopApi - eventOnly)}, the SDK ${formatNs(sdk - noopApi)}`,
    },
    { id: 'O1.5', task: '`createFetch` closed path, instant fetch, instrument off', result: formatNs(perCall('fetch-off')), ratio: '', target: '', status: '', notes: '' },
    {
      id: 'O1.6',
      task: 'same, `instrument(box)` on an SDK MeterProvider',
      result: formatNs(perCall('fetch-sdk')),
      ratio: `${formatRatio(perCall('fetch-sdk') / perCall('fetch-off'))} off`,
      target: '',
      status: '',
      notes: `+${formatNs(perCall('fetch-sdk') - perCall('fetch-off'))} per request`,
    },
  ];
}

function render(rows) {
  const columns = [['id', '#'], ['task', 'task'], ['result', 'result'], ['ratio', 'vs off'], ['target', 'target'], ['status', ''], ['notes', 'notes']];
  const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((row) => String(row[key]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(columns.map(([, title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(columns.map(([key]) => row[key])))].join('\n');
}

if (process.argv[2] === 'variant') {
  process.send(await measure(process.argv[3]));
} else {
  const runs = await alternate(import.meta.url, VARIANTS, repetitions);
  const rows = buildRows(runs);
  if (process.send) process.send({ section: 'otel', rows });
  else console.log(`O1: ns per call, median over ${repetitions} repetitions; overhead = paired difference to the bare call (node ${process.version})\n${render(rows)}`);
}

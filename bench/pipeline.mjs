/**
 * R1: the closed path through the core pipeline (`box.execute()`, what every adapter runs)
 * with `retry` and `bulkhead` configured but never used (every attempt succeeds, the
 * bulkhead is never full), against the same path with neither. Target (issue 11): within
 * 20 ns of it.
 *
 *   node --import ./scripts/register-source.mjs bench/pipeline.mjs     # prints the rows
 *
 * Each variant runs in its own process next to the bare call it is paired with (V8 shares
 * type feedback across boxes), variants alternating over repetitions. Reported: median
 * over repetitions of (variant − bare) per call. Forked by bench/run.mjs, it sends
 * `{ section: 'pipeline', rows }` instead of printing.
 */
import { createBreakerBox } from 'breakerbox';
import { alternate, BATCH, noop, pairWithBare } from './variant-process.mjs';
import { formatNs, median } from './stats.mjs';

const repetitions = Number(process.env.BENCH_REPS ?? 5);
const time = Number(process.env.BENCH_TIME ?? 200);
const URLS = Array.from({ length: 16 }, (_, i) => `https://api.example.com/v1/users?page=${i}`);
const VARIANTS = ['plain', 'policies'];
const OPTIONS = {
  plain: {},
  policies: { retry: { attempts: 2, delay: 100 }, bulkhead: { maxConcurrent: 1_000, maxQueue: 100 } },
};

/** One attempt as an adapter sends it: await the transport, record the answer. */
const hooks = {
  async send(permit) {
    await noop();
    permit.record({ kind: 'response', status: 200 });
    return { response: 1 };
  },
  answer: () => 0,
};

async function measure(name) {
  const box = createBreakerBox(OPTIONS[name]);
  const request = { method: 'GET' };
  const task = async () => {
    for (let i = 0; i < BATCH; i++) await box.execute(URLS[i & 15], request, hooks);
  };
  const { bare, value } = await pairWithBare(task, { time });
  if (box.snapshot()[0]?.successes === 0) throw new Error('bench/pipeline.mjs: no attempt was recorded');
  return { name, bare, value };
}

function buildRows(runs) {
  const overhead = (name) => median(runs.filter((run) => run.name === name).map((run) => run.value - run.bare));
  const plain = overhead('plain');
  const policies = overhead('policies');
  const added = policies - plain;
  return [
    { id: 'R1.1', task: 'closed path through box.execute() (what every adapter runs), no retry, no bulkhead', result: formatNs(plain), ratio: '', target: 'baseline', status: '', notes: 'overhead over a bare `await`' },
    {
      id: 'R1.2',
      task: 'same, with retry and bulkhead configured but unused',
      result: formatNs(policies),
      ratio: `+${formatNs(added)}`,
      target: '≤ +20 ns',
      status: added <= 20 ? 'PASS' : 'MISS',
      notes: 'the bulkhead takes and gives back a slot; the budget counts the request without a clock read (it dates it at its latest reading); per-process spread here is about ±100 ns, compare medians of several runs',
    },
  ];
}

if (process.argv[2] === 'variant') {
  process.send(await measure(process.argv[3]));
} else {
  const runs = await alternate(import.meta.url, VARIANTS, repetitions);
  const rows = buildRows(runs);
  if (process.send) process.send({ section: 'pipeline', rows });
  else console.log(`R1: ns per call, median over ${repetitions} repetitions (node ${process.version})\n${rows.map((row) => `${row.id} ${row.task}: ${row.result} ${row.ratio} ${row.target} ${row.status}`).join('\n')}`);
}

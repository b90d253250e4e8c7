/**
 * P1 (closed path) and P2 (open path): the core API against cockatiel and opossum.
 * Run as a child of bench/run.mjs: `node --import ./scripts/register-source.mjs bench/micro.mjs closed|open`.
 *
 * Each task function runs a batch of sequential calls, so tinybench's own per-sample
 * cost (a timestamp and an await) is spread thin. Every contender runs in a fresh process
 * of its own next to the bare call it is paired with; contenders alternate over
 * repetitions, so a noisy neighbour hurts them alike. The parent sends, per contender, each
 * repetition's median sample and its bare call's; the report takes medians over them.
 */
import { CircuitOpenError, createBreakerBox } from 'breakerbox';
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, fallback, handleAll, handleType, wrap } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { BATCH, forkVariant, noop, pairWithBare } from './variant-process.mjs';

// `micro.mjs <section>` measures every contender, each through `micro.mjs variant <name> <section> <rep>`.
const variantName = process.argv[2] === 'variant' ? process.argv[3] : undefined;
const section = variantName === undefined ? process.argv[2] : process.argv[4];
const repetitions = Number(process.env.BENCH_REPS ?? 5);
const time = Number(process.env.BENCH_TIME ?? 200);

const ORIGIN = 'https://api.example.com';
/** 16 paths of one origin, built at run time like an app's URLs (not one constant string). */
const URLS = Array.from({ length: 16 }, (_, i) => `${ORIGIN}/v1/users?page=${i}`);
/** The same paths spread over 4 origins, taken in turn: every call changes origin. */
const URLS_4_ORIGINS = Array.from({ length: 16 }, (_, i) => `https://api${i & 3}.example.com/v1/users?page=${i}`);
const SYNC_BATCH = 1000;
const HOUR = 3_600_000;
const VALUE = { status: 200, body: { items: [] } };

const fail = async () => {
  throw new Error('down');
};

/**
 * The two-step guard as an adapter runs it: inline, in the async function the adapter
 * has anyway (no wrapper closure per call, unlike `policy.execute(fn)`).
 */
async function guardedBatch(box, count, expectFallback, urls) {
  for (let i = 0; i < count; i++) {
    const permit = box.admit(urls[i & 15]);
    if (!permit.allowed) {
      const answer = await permit.fallback();
      if (answer === undefined) throw permit.error;
      if (!expectFallback) throw new Error('expected a CircuitOpenError');
      continue;
    }
    await noop();
    permit.record({ kind: 'response', status: 200 });
  }
}

/** Like {@link guardedBatch} for an open box without fallback: every call throws, and is caught. */
async function refusedBatch(box, count) {
  for (let i = 0; i < count; i++) {
    try {
      await guardedBatch(box, 1, false, URLS);
      throw new Error('expected a CircuitOpenError');
    } catch (error) {
      if (error.code !== 'ECIRCUITOPEN') throw error;
    }
  }
}

function openBox(fallbackOptions) {
  const box = createBreakerBox({ breaker: { openDuration: HOUR, maxOpenDuration: HOUR }, ...(fallbackOptions ? { fallback: fallbackOptions } : {}) });
  for (let i = 0; i < 5; i++) box.admit(URLS[i]).record({ kind: 'response', status: 500 });
  if (box.state(ORIGIN) !== 'open') throw new Error(`setup: breakerbox did not open (${box.state(ORIGIN)})`);
  return box;
}

async function openCockatiel() {
  const policy = circuitBreaker(handleAll, { halfOpenAfter: HOUR, breaker: new ConsecutiveBreaker(5) });
  for (let i = 0; i < 5; i++) await policy.execute(fail).catch(() => {});
  if (String(policy.state) !== '1' && policy.state !== 'open') throw new Error(`setup: cockatiel did not open (${policy.state})`);
  return policy;
}

function openOpossum(withFallback) {
  const breaker = new CircuitBreaker(noop, { resetTimeout: HOUR });
  if (withFallback) breaker.fallback(() => VALUE);
  breaker.open();
  return breaker;
}

/** `[name, fn, perCall]`: `perCall` is how many calls one invocation of `fn` makes. */
async function tasksFor(name) {
  if (name === 'closed') {
    const box = createBreakerBox();
    const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
    const opossum = new CircuitBreaker(noop);
    const opossumLean = new CircuitBreaker(noop, { timeout: false });
    return {
      cleanup: () => [opossum, opossumLean].forEach((b) => b.shutdown()),
      tasks: [
        ['breakerbox', () => guardedBatch(box, BATCH, false, URLS), BATCH],
        ['breakerbox-4-origins', () => guardedBatch(box, BATCH, false, URLS_4_ORIGINS), BATCH],
        [
          'breakerbox-sync',
          () => {
            for (let i = 0; i < SYNC_BATCH; i++) box.admit(URLS[i & 15]).record({ kind: 'response', status: 200 });
          },
          SYNC_BATCH,
        ],
        [
          'cockatiel',
          async () => {
            for (let i = 0; i < BATCH; i++) await cockatiel.execute(noop);
          },
          BATCH,
        ],
        [
          'opossum',
          async () => {
            for (let i = 0; i < BATCH; i++) await opossum.fire();
          },
          BATCH,
        ],
        [
          'opossum-lean',
          async () => {
            for (let i = 0; i < BATCH; i++) await opossumLean.fire();
          },
          BATCH,
        ],
      ],
    };
  }

  const valueBox = openBox({ value: VALUE });
  const errorBox = openBox(undefined);
  const cockatiel = await openCockatiel();
  const cockatielFallback = wrap(fallback(handleType(BrokenCircuitError), VALUE), cockatiel);
  const opossum = openOpossum(false);
  const opossumFallback = openOpossum(true);
  /** Keeps every error built, so no engine can skip building one. */
  const errors = new Array(BATCH);
  const expectValue = (answer) => {
    if (answer === undefined || answer === null) throw new Error('expected a fallback value');
  };
  return {
    cleanup: () => [opossum, opossumFallback].forEach((b) => b.shutdown()),
    tasks: [
      [
        'new-error',
        async () => {
          for (let i = 0; i < BATCH; i++) await Promise.reject(new Error('down')).catch(() => {});
        },
        BATCH,
      ],
      ['breakerbox-fallback', () => guardedBatch(valueBox, BATCH, true, URLS), BATCH],
      ['breakerbox-error', () => refusedBatch(errorBox, BATCH), BATCH],
      [
        'circuit-open-error-new',
        () => {
          for (let i = 0; i < BATCH; i++) errors[i] = new CircuitOpenError({ origin: ORIGIN, state: 'open', retryAfter: 20_000, method: 'GET', url: URLS[i & 15] });
        },
        BATCH,
      ],
      [
        'breakerbox-refuse-sync',
        () => {
          for (let i = 0; i < SYNC_BATCH; i++) if (valueBox.admit(URLS[i & 15]).allowed) throw new Error('expected a refusal');
        },
        SYNC_BATCH,
      ],
      [
        'cockatiel-error',
        async () => {
          for (let i = 0; i < BATCH; i++) await cockatiel.execute(noop).catch(() => {});
        },
        BATCH,
      ],
      [
        'cockatiel-fallback',
        async () => {
          for (let i = 0; i < BATCH; i++) expectValue(await cockatielFallback.execute(noop));
        },
        BATCH,
      ],
      [
        'opossum-error',
        async () => {
          for (let i = 0; i < BATCH; i++) await opossum.fire().catch(() => {});
        },
        BATCH,
      ],
      [
        'opossum-fallback',
        async () => {
          for (let i = 0; i < BATCH; i++) expectValue(await opossumFallback.fire());
        },
        BATCH,
      ],
    ],
  };
}

/**
 * One contender's process: its task and the bare call it is paired with, in one Bench
 * whose order flips with the repetition. Each contender runs in a process of its own: in a
 * shared one, opossum's 10 s timers and every library's garbage and type feedback would
 * land on whichever task runs next.
 */
async function measureOne(name, rep) {
  const { tasks, cleanup } = await tasksFor(section);
  const task = tasks.find(([taskName]) => taskName === name);
  if (task === undefined) throw new Error(`micro.mjs: no task ${name} in ${section}`);
  const [, fn, perCall] = task;
  const { bare, value } = await pairWithBare(fn, { perCall, time, bareFirst: rep % 2 === 0 });
  cleanup();
  return { name, bare, value };
}

async function main() {
  if (section !== 'closed' && section !== 'open') throw new Error(`usage: micro.mjs closed|open, got ${section}`);
  if (variantName !== undefined) {
    const result = await measureOne(variantName, Number(process.argv[5]));
    if (process.send) process.send(result);
    else console.log(JSON.stringify(result));
    return;
  }
  const { tasks, cleanup } = await tasksFor(section);
  cleanup();
  const names = tasks.map(([name]) => name);
  // Contenders alternate over repetitions, one later each time, so a noisy neighbour hurts them alike.
  const samples = { bare: [], bareOf: Object.fromEntries(names.map((name) => [name, []])), ...Object.fromEntries(names.map((name) => [name, []])) };
  for (let rep = 0; rep < repetitions; rep++) {
    for (let i = 0; i < names.length; i++) {
      const run = await forkVariant(import.meta.url, names[(i + rep) % names.length], section, String(rep));
      samples[run.name].push(run.value);
      samples.bareOf[run.name].push(run.bare);
      samples.bare.push(run.bare);
    }
  }
  const result = { section, samples };
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 1));
}

await main();

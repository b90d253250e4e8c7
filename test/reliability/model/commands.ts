import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import {
  createBreakerBox,
  createStatusClassifier,
  defaultFailureStatuses,
  type AllowedPermit,
  type BreakerBox,
  type Outcome,
} from '../../../src/index.js';
import { createManualClock, type ManualClock } from '../../helpers/manual-clock.js';
import { type ModelConfig, type ModelOutcome, type ModelPermit, ReferenceBreaker } from './reference-breaker.js';

export const ORIGIN = 'https://model.example.test';
/** The box's classifier: the default one, plus status 499 meaning "no opinion" (to exercise `ignore` apart from abort). */
const defaultClassify = createStatusClassifier(defaultFailureStatuses);
const IGNORED_STATUS = 499;
/** A fixed server date for HTTP-date Retry-After headers (they are measured against the response's Date). */
const SERVER_DATE = Date.UTC(2030, 0, 1);

export interface Model {
  ref: ReferenceBreaker;
  permits: ModelPermit[];
}

export interface Real {
  box: BreakerBox;
  clock: ManualClock;
  permits: AllowedPermit[];
}

export function setup(config: ModelConfig): { model: Model; real: Real } {
  const clock = createManualClock();
  const box = createBreakerBox({
    breaker: { ...config, respectRetryAfter: true },
    clock,
    random: () => 0,
    classify: (outcome, request) => (outcome.kind === 'response' && outcome.status === IGNORED_STATUS ? 'ignore' : defaultClassify(outcome, request)),
  });
  // Create the origin's breaker up front, so its snapshot entry exists from the first step.
  box.isolate(ORIGIN);
  box.reset(ORIGIN);
  return { model: { ref: new ReferenceBreaker(config, clock.now()), permits: [] }, real: { box, clock, permits: [] } };
}

/** One attempt's ending, as the box is told it and as the model reads it. */
export interface OutcomeCase {
  label: string;
  outcome: Outcome;
  expected: ModelOutcome;
}

const SUCCESS: OutcomeCase = { label: '200', outcome: { kind: 'response', status: 200 }, expected: { verdict: 'success' } };
const FAILURE: OutcomeCase = { label: '500', outcome: { kind: 'response', status: 500 }, expected: { verdict: 'failure' } };

/** Plain successes and failures dominate, so sequences get through open and half-open often; the odd cases come often enough. */
export const outcomeArb: fc.Arbitrary<OutcomeCase> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(SUCCESS) },
  { weight: 6, arbitrary: fc.constant(FAILURE) },
  { weight: 1, arbitrary: fc.constant<OutcomeCase>({ label: '404', outcome: { kind: 'response', status: 404 }, expected: { verdict: 'success' } }) },
  { weight: 1, arbitrary: fc.constant<OutcomeCase>({ label: 'network', outcome: { kind: 'network', code: 'ECONNRESET' }, expected: { verdict: 'failure' } }) },
  { weight: 1, arbitrary: fc.constant<OutcomeCase>({ label: 'timeout', outcome: { kind: 'timeout' }, expected: { verdict: 'failure' } }) },
  { weight: 2, arbitrary: fc.constant<OutcomeCase>({ label: '499 (ignored)', outcome: { kind: 'response', status: IGNORED_STATUS }, expected: { verdict: 'ignore' } }) },
  { weight: 2, arbitrary: fc.constant<OutcomeCase>({ label: 'aborted', outcome: { kind: 'aborted' }, expected: { verdict: 'ignore' } }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 60 }).map((seconds): OutcomeCase => ({
      label: `503 Retry-After ${seconds}`,
      outcome: { kind: 'response', status: 503, headers: { 'retry-after': String(seconds) } },
      expected: { verdict: 'failure', retryAfterMs: seconds * 1000 },
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: 60 }).map((seconds): OutcomeCase => ({
      label: `429 Retry-After date +${seconds}s`,
      outcome: { kind: 'response', status: 429, headers: { 'retry-after': new Date(SERVER_DATE + seconds * 1000).toUTCString(), date: new Date(SERVER_DATE).toUTCString() } },
      expected: { verdict: 'failure', retryAfterMs: seconds * 1000 },
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<OutcomeCase>({
      label: '429 Retry-After 999999999',
      outcome: { kind: 'response', status: 429, headers: { 'retry-after': '999999999' } },
      expected: { verdict: 'failure', retryAfterMs: 999_999_999_000 },
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('soon', '-1', '1.5', '', '12abc').map((value): OutcomeCase => ({
      label: `503 Retry-After ${JSON.stringify(value)} (malformed)`,
      outcome: { kind: 'response', status: 503, headers: { 'retry-after': value } },
      expected: { verdict: 'failure' },
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<OutcomeCase>({
      label: '500 Retry-After 60 (not 429/503)',
      outcome: { kind: 'response', status: 500, headers: { 'retry-after': '60' } },
      expected: { verdict: 'failure' },
    }),
  },
);

/**
 * Throws when the box and the model disagree. Plain checks, not `expect`: this runs
 * about half a million times per test run, and vitest's matchers would dominate it.
 */
function agree(what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`Divergence in ${what}: the box says ${JSON.stringify(actual)}, the model ${JSON.stringify(expected)}`);
  }
}

/** Every observable of the origin must agree with the model after every step. */
export function compare(model: Model, real: Real): void {
  const { ref } = model;
  agree('state', real.box.state(ORIGIN), ref.observedState());
  const entry = real.box.snapshot().find((e) => e.origin === ORIGIN);
  const expected: Record<string, unknown> = {
    origin: ORIGIN,
    state: ref.observedState(),
    failures: ref.failures,
    successes: ref.successes,
    rejected: ref.rejected,
    fallbacks: 0,
  };
  if (ref.observedState() !== 'closed') expected.openedAt = ref.openedAt;
  const retryAfter = ref.retryAfter();
  if (retryAfter !== undefined) expected.retryAfter = retryAfter;
  agree('snapshot', entry, expected);
}

class AdmitCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const expected = model.ref.admit();
    const permit = real.box.admit(`${ORIGIN}/resource`);
    agree('admission', permit.allowed, expected.allowed);
    if (permit.allowed && expected.allowed) {
      model.permits.push(expected.permit);
      real.permits.push(permit);
    } else if (!permit.allowed && !expected.allowed) {
      agree('CircuitOpenError', { state: permit.error.state, retryAfter: permit.error.retryAfter }, { state: expected.state, retryAfter: expected.retryAfter });
    }
    compare(model, real);
  }
  toString = (): string => 'admit';
}

/**
 * Record an outcome for a permit: with `again`, one already recorded (the first verdict
 * must stand and nothing may move); otherwise one still in flight. `index` picks it
 * modulo how many there are.
 */
class RecordCommand implements fc.Command<Model, Real> {
  readonly index: number;
  readonly outcome: OutcomeCase;
  readonly again: boolean;
  constructor(index: number, outcome: OutcomeCase, again: boolean) {
    this.index = index;
    this.outcome = outcome;
    this.again = again;
  }
  #candidates(model: Readonly<Model>): number[] {
    const indexes: number[] = [];
    model.permits.forEach((permit, i) => {
      if ((permit.recorded !== undefined) === this.again) indexes.push(i);
    });
    return indexes;
  }
  check = (model: Readonly<Model>): boolean => this.#candidates(model).length > 0;
  run(model: Model, real: Real): void {
    const candidates = this.#candidates(model);
    const i = candidates[this.index % candidates.length]!;
    const expected = model.ref.record(model.permits[i]!, this.outcome.expected);
    agree('verdict', real.permits[i]!.record(this.outcome.outcome), expected);
    compare(model, real);
  }
  toString = (): string => `record${this.again ? ' again' : ''}(#${this.index}, ${this.outcome.label})`;
}

/** Move time by a multiple of openDuration, give or take 1 ms, to hit the boundaries. */
class AdvanceCommand implements fc.Command<Model, Real> {
  readonly factor: number;
  readonly delta: number;
  constructor(factor: number, delta: number) {
    this.factor = factor;
    this.delta = delta;
  }
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const ms = Math.max(0, Math.round(this.factor * model.ref.config.openDuration) + this.delta);
    model.ref.now += ms;
    real.clock.advance(ms);
    compare(model, real);
  }
  toString = (): string => `advance(${this.factor} x openDuration ${this.delta >= 0 ? '+' : ''}${this.delta} ms)`;
}

class IsolateCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    model.ref.isolate();
    real.box.isolate(ORIGIN);
    compare(model, real);
  }
  toString = (): string => 'isolate';
}

class ResetCommand implements fc.Command<Model, Real> {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    model.ref.reset();
    real.box.reset(ORIGIN);
    compare(model, real);
  }
  toString = (): string => 'reset';
}

const admit = fc.constant(new AdmitCommand());
const record = fc.tuple(fc.nat({ max: 7 }), outcomeArb).map(([index, outcome]) => new RecordCommand(index, outcome, false));
const recordAgain = fc.tuple(fc.nat({ max: 7 }), outcomeArb).map(([index, outcome]) => new RecordCommand(index, outcome, true));
const advance = fc.tuple(fc.constantFrom(0, 0.5, 1, 1, 2, 4, 16), fc.constantFrom(-1, 0, 1)).map(([factor, delta]) => new AdvanceCommand(factor, delta));
const steer = fc.oneof({ weight: 1, arbitrary: fc.constant(new IsolateCommand()) }, { weight: 3, arbitrary: fc.constant(new ResetCommand()) });

/** fast-check picks among these uniformly: admissions and outcomes dominate, as in real traffic; isolate and reset are rare. */
export const commandArbs: fc.Arbitrary<fc.Command<Model, Real>>[] = [admit, admit, admit, record, record, record, recordAgain, advance, advance, steer];

export const configArb: fc.Arbitrary<ModelConfig> = fc
  .record({
    failureThreshold: fc.integer({ min: 1, max: 4 }),
    openDuration: fc.constantFrom(1_000, 30_000),
    maxFactor: fc.constantFrom(1, 2, 3, 16),
    halfOpenProbes: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ maxFactor, ...rest }) => ({ ...rest, maxOpenDuration: rest.openDuration * maxFactor }));

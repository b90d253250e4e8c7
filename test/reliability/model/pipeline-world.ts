import { isDeepStrictEqual } from 'node:util';
import {
  createBreakerBox,
  createStatusClassifier,
  defaultFailureStatuses,
  isBulkheadFullError,
  isCircuitOpenError,
  type AllowedPermit,
  type BreakerBox,
  type BreakerBoxEvents,
  type FallbackResponse,
  type Outcome,
} from '../../../src/index.js';
import type { AttemptReport } from '../../../src/core/types.js';
import type { Breaker } from '../../../src/core/breaker.js';
import type { OutcomeCase } from './commands.js';
import { ReferenceBudget, countInWindow, withinBound } from './reference-budget.js';
import { type ModelConfig, type ModelPermit, ReferenceBreaker } from './reference-breaker.js';

/**
 * The world of the pipeline model test: one box whose requests all go through
 * `box.execute()`, side by side with the reference breaker (every attempt the pipeline makes
 * is replayed into it, in the same order) and small references for the retry budget and the
 * bulkhead. Checks that can only be made as things happen (inside `send`, inside an event
 * listener) record the first violation in `violation`; the commands throw it after each step.
 */

export const ORIGIN = 'https://pipeline-model.example.test';
/** The classifier of the breaker model test: the default one, plus 499 meaning "no opinion". */
const defaultClassify = createStatusClassifier(defaultFailureStatuses);
const IGNORED_STATUS = 499;
/** The retry methods' default (API.md). */
const RETRIED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const SUCCESS_CASE: OutcomeCase = { label: '200', outcome: { kind: 'response', status: 200 }, expected: { verdict: 'success' } };

export interface RetryConfig {
  attempts: number;
  maxDelay: number;
  respectRetryAfter: boolean;
  budget: false | { ratio: number; minPerSecond: number };
}

export interface BulkheadConfig {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeout: number | undefined;
}

export interface PipelineConfig {
  breaker: ModelConfig;
  retry: RetryConfig | undefined;
  bulkhead: BulkheadConfig | undefined;
  /** A static `fallback.value` (it answers refusals, and bulkhead refusals). */
  fallbackValue: boolean;
  /** With `fallbackValue`: `when: 'open-or-failure'`, so a request's last failed attempt is answered by it too. */
  failureFallback: boolean;
  onRefusal: 'throw' | 'respond';
}

/** One attempt of a request's script: how it ends, and whether it stays open until a `release` step. */
export interface ScriptStep {
  outcome: OutcomeCase;
  hold: boolean;
}

export interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST';
  idempotencyKey: boolean;
  /** False for a streamed request body. */
  replayable: boolean;
  /** Attempt n follows `script[n - 1]`; past its end, attempts succeed. */
  script: ScriptStep[];
}

/** What the pipeline must do next for a request, predicted when its last attempt ended. */
type Expectation =
  | { kind: 'end'; report: AttemptReport<Answer>; why: string; failed: boolean }
  | { kind: 'next'; attempt: number; at: number; sleep: boolean; delay: number; retryEventSeen: boolean; eventsAtDecision: number };

/** What `hooks.send` and `hooks.answer` resolve with. */
export type Answer = { id: number; attempt: number; status: number } | { fallback: FallbackResponse['source'] };

interface Held {
  attempt: number;
  release(): void;
}

export interface Tracked {
  id: number;
  spec: RequestSpec;
  url: string;
  controller: AbortController;
  /** 'new' until the bulkhead decided: queued, started (holds a slot), or turned away. */
  phase: 'new' | 'queued' | 'started' | 'settled';
  queuedAt: number;
  started: boolean;
  sends: number;
  /** The breaker's state when it refused this request, if it did, and the model's `retryAfter` then. */
  refusedIn: string | undefined;
  refusalRetryAfter: number | undefined;
  /** Reasons of the 'fallback' events for this request. */
  fallbackReasons: string[];
  expect: Expectation | undefined;
  held: Held | undefined;
  aborted: boolean;
  result: { value: Answer } | { error: unknown } | undefined;
  /** Responses the pipeline was given; discarded ones are marked. */
  responses: Map<AttemptReport<Answer>, boolean>;
}

/** How often each interesting pipeline case happened across runs. */
export const pipelineCoverage: Map<string, number> = new Map();
export function hit(milestone: string): void {
  pipelineCoverage.set(milestone, (pipelineCoverage.get(milestone) ?? 0) + 1);
}

export class World {
  readonly config: PipelineConfig;
  readonly box: BreakerBox;
  readonly ref: ReferenceBreaker;
  readonly budget: ReferenceBudget | undefined;
  readonly requests: Tracked[] = [];
  /** The bulkhead's queue, as the reference sees it: request ids in arrival order. */
  readonly queue: number[] = [];
  /** Every request (its first admission) and every retry, for the budget's bound (counted from what the pipeline did, not from the budget). */
  readonly retriesSent: { at: number; retry: boolean }[] = [];
  /** Model events (admissions, records, isolate, reset): a retry refused after a sleep needs one in between. */
  events = 0;
  bulkheadRefusals = 0;
  failureFallbacks = 0;
  outstandingSends = 0;
  violation: string | undefined;

  constructor(config: PipelineConfig) {
    this.config = config;
    const { breaker, retry, bulkhead, fallbackValue, onRefusal } = config;
    this.box = createBreakerBox({
      breaker: { ...breaker, respectRetryAfter: true },
      // Date.now is faked by vitest, so the box's clock and its timers move together.
      clock: { now: () => Date.now() },
      // No jitter: backoff delays are 0 (full jitter of random 0) and escalations exact, as the reference assumes.
      random: () => 0,
      classify: (outcome, request) => (outcome.kind === 'response' && outcome.status === IGNORED_STATUS ? 'ignore' : defaultClassify(outcome, request)),
      ...(retry === undefined ? {} : { retry: { attempts: retry.attempts, delay: 100, maxDelay: retry.maxDelay, respectRetryAfter: retry.respectRetryAfter, budget: retry.budget } }),
      ...(bulkhead === undefined ? {} : { bulkhead: { maxConcurrent: bulkhead.maxConcurrent, maxQueue: bulkhead.maxQueue, ...(bulkhead.queueTimeout === undefined ? {} : { queueTimeout: bulkhead.queueTimeout }) } }),
      ...(fallbackValue ? { fallback: { value: { status: 200, body: 'fallback' }, when: config.failureFallback ? ('open-or-failure' as const) : ('open' as const) } } : {}),
      onRefusal,
    });
    // Create the origin's breaker up front, so its snapshot entry exists from the first step.
    this.box.isolate(ORIGIN);
    this.box.reset(ORIGIN);
    this.ref = new ReferenceBreaker(breaker, Date.now());
    this.budget = retry !== undefined && retry.budget !== false ? new ReferenceBudget(retry.budget.ratio, retry.budget.minPerSecond) : undefined;
    this.box.on('rejected', (event) => this.#onRejected(event));
    this.box.on('retry', (event) => this.#onRetry(event));
    this.box.on('fallback', (event) => {
      const r = this.#byUrl(event.url);
      if (r === undefined || event.source !== 'value') this.fail(`unexpected 'fallback' event ${JSON.stringify(event)}`);
      else r.fallbackReasons.push(event.reason);
    });
  }

  fail(message: string): void {
    this.violation ??= message;
  }

  check(what: string, actual: unknown, expected: unknown): void {
    if (!isDeepStrictEqual(actual, expected)) this.fail(`${what}: the box says ${JSON.stringify(actual)}, the model ${JSON.stringify(expected)}`);
  }

  /** The bulkhead's slots taken, read from the origin's policies (white box: no public view of it). */
  activeSlots(): number {
    return (this.box as unknown as { breakerOf(url: string): Breaker }).breakerOf(ORIGIN).policies?.bulkhead?.active ?? 0;
  }

  /** Requests holding a bulkhead slot as the reference sees it. */
  startedCount(): number {
    return this.requests.filter((r) => r.phase === 'started').length;
  }

  retryable(spec: RequestSpec): boolean {
    return spec.replayable && (RETRIED_METHODS.has(spec.method) || spec.idempotencyKey);
  }

  // --- requests ---

  /** Send a new request through `box.execute()`. Returns it once the synchronous part of execute() ran. */
  request(spec: RequestSpec): Tracked {
    const id = this.requests.length;
    const r: Tracked = {
      id,
      spec,
      url: `${ORIGIN}/r/${id}`,
      controller: new AbortController(),
      phase: 'new',
      queuedAt: Date.now(),
      started: false,
      sends: 0,
      refusedIn: undefined,
      refusalRetryAfter: undefined,
      fallbackReasons: [],
      expect: undefined,
      held: undefined,
      aborted: false,
      result: undefined,
      responses: new Map(),
    };
    this.requests.push(r);
    const headers: Record<string, string> = spec.idempotencyKey ? { 'idempotency-key': `key-${id}` } : {};
    const bulkhead = this.config.bulkhead;
    const free = bulkhead === undefined || this.startedCount() < bulkhead.maxConcurrent;
    const queueRoom = bulkhead !== undefined && this.queue.length < bulkhead.maxQueue;
    const pending = this.box.execute(
      r.url,
      { method: spec.method, headers, signal: r.controller.signal, replayable: spec.replayable },
      {
        send: (permit, attempt, final) => this.#send(r, permit, attempt, final),
        answer: (fallback) => ({ fallback: fallback.source }),
      },
    );
    pending.then(
      (value) => this.#settled(r, { value }),
      (error: unknown) => this.#settled(r, { error }),
    );
    // The bulkhead decides synchronously: a free slot starts the first attempt inside execute().
    if (free) {
      if (!r.started) this.fail(`request #${id} found a free bulkhead slot but sent nothing synchronously`);
    } else if (r.started) {
      this.fail(`request #${id} started with every bulkhead slot taken (${this.startedCount()} started)`);
    } else if (queueRoom) {
      r.phase = 'queued';
      this.queue.push(id);
    }
    return r;
  }

  release(r: Tracked): void {
    r.held!.release();
  }

  abort(r: Tracked): void {
    if (r.phase === 'queued') hit('aborted in the queue');
    else if (r.held !== undefined) hit('aborted while sending');
    else if (r.expect?.kind === 'next' && r.expect.sleep) hit('aborted during a retry wait');
    r.aborted = true;
    r.controller.abort(new Error(`caller aborted #${r.id}`));
  }

  isolate(): void {
    this.events++;
    this.ref.now = Date.now();
    this.ref.isolate();
    this.box.isolate(ORIGIN);
  }

  reset(): void {
    this.events++;
    this.ref.now = Date.now();
    this.ref.reset();
    this.box.reset(ORIGIN);
  }

  // --- what the pipeline does, observed ---

  /** The first observation of a request: its bulkhead slot is taken (and its budget deposit made). */
  #starting(r: Tracked): void {
    if (r.phase === 'queued') {
      if (this.queue[0] !== r.id) this.fail(`request #${r.id} left the bulkhead queue out of order (queue ${JSON.stringify(this.queue)})`);
      this.queue.splice(this.queue.indexOf(r.id), 1);
      hit('queued, then ran');
    } else if (r.phase !== 'new') {
      this.fail(`request #${r.id} started twice (phase ${r.phase})`);
    }
    r.phase = 'started';
    r.started = true;
    const limit = this.config.bulkhead?.maxConcurrent;
    if (limit !== undefined) {
      // Read from the bulkhead itself: a request that let its slot go may not have settled yet, so counting settlements here would race.
      if (this.activeSlots() > limit) this.fail(`bulkhead holds ${this.activeSlots()} slots, maxConcurrent ${limit}`);
    }
    if (this.config.retry !== undefined) {
      this.budget?.deposit(Date.now());
      this.retriesSent.push({ at: Date.now(), retry: false });
    }
  }

  /** An admission the pipeline made: the next one the request was expected to make. */
  #admission(r: Tracked, attempt: number): void {
    if (attempt === 1) {
      if (r.sends > 0 || r.expect !== undefined) this.fail(`request #${r.id} made a first admission after ${r.sends} attempts`);
      this.#starting(r);
      return;
    }
    const expect = r.expect;
    if (expect?.kind !== 'next') {
      this.fail(`request #${r.id} made admission ${attempt} when it should have ended (${expect?.kind === 'end' ? expect.why : 'nothing expected'})`);
      return;
    }
    this.check(`request #${r.id} admission number`, attempt, expect.attempt);
    this.check(`request #${r.id} admission ${attempt} time`, Date.now(), expect.at);
    if (expect.sleep && !expect.retryEventSeen) this.fail(`request #${r.id} retried without a 'retry' event`);
    r.expect = undefined;
  }

  #send(r: Tracked, permit: AllowedPermit, attempt: number, final: boolean): Promise<AttemptReport<Answer>> {
    if (r.refusedIn !== undefined) this.fail(`request #${r.id} sent attempt ${attempt} after a refusal`);
    if (r.aborted) this.fail(`request #${r.id} sent attempt ${attempt} after its caller aborted`);
    const prior = r.expect;
    this.#admission(r, attempt);
    this.events++;
    this.ref.now = Date.now();
    const admitted = this.ref.admit();
    if (!admitted.allowed) this.fail(`request #${r.id} sent attempt ${attempt} while the model refuses (${admitted.state})`);
    const modelPermit: ModelPermit = admitted.allowed ? admitted.permit : { phase: -1, probe: false };
    r.sends++;
    this.check(`request #${r.id} attempt number`, attempt, r.sends);
    const retry = this.config.retry;
    const retryable = retry !== undefined && this.retryable(r.spec);
    this.check(`request #${r.id} attempt ${attempt} final`, final, !retryable || attempt > retry.attempts);
    const limit = retry === undefined ? 1 : retryable ? retry.attempts + 1 : 1;
    if (attempt > limit) this.fail(`request #${r.id} sent attempt ${attempt}, at most ${limit} allowed (${r.spec.method}${r.spec.idempotencyKey ? ' with key' : ''}${r.spec.replayable ? '' : ', stream body'})`);
    if (attempt > 1) {
      hit('retried after a failure');
      if (attempt > 2) hit('third attempt or later');
      if (r.spec.method === 'POST') hit('POST with an Idempotency-Key retried');
      // A retry that waited was counted when it was decided (its 'retry' event); one sent at once never passed the budget: count it now.
      if (prior?.kind === 'next' && !prior.sleep) {
        if (this.budget !== undefined && !this.budget.hasRoom(Date.now())) this.fail(`request #${r.id} sent retry ${attempt} at once with the budget spent (${JSON.stringify(this.budget.counts(Date.now()))})`);
        this.#countRetry();
      }
    }
    this.outstandingSends++;
    const bulkhead = this.config.bulkhead;
    if (bulkhead !== undefined && this.outstandingSends > bulkhead.maxConcurrent) this.fail(`${this.outstandingSends} attempts in flight, maxConcurrent ${bulkhead.maxConcurrent}`);
    const step = r.spec.script[attempt - 1] ?? { outcome: SUCCESS_CASE, hold: false };
    if (!step.hold) return Promise.resolve(this.#finish(r, permit, modelPermit, attempt, step.outcome, undefined));
    return new Promise((resolve) => {
      const signal = r.controller.signal;
      const onAbort = (): void => {
        r.held = undefined;
        resolve(this.#finish(r, permit, modelPermit, attempt, { label: 'caller abort', outcome: { kind: 'aborted' }, expected: { verdict: 'ignore' } }, signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      r.held = {
        attempt,
        release: () => {
          signal.removeEventListener('abort', onAbort);
          r.held = undefined;
          resolve(this.#finish(r, permit, modelPermit, attempt, step.outcome, undefined));
        },
      };
    });
  }

  /** The attempt ended: record it in the box and the model, and predict what the pipeline does next. */
  #finish(r: Tracked, permit: AllowedPermit, modelPermit: ModelPermit, attempt: number, outcomeCase: OutcomeCase, abortReason: unknown): AttemptReport<Answer> {
    this.outstandingSends--;
    this.events++;
    const now = Date.now();
    this.ref.now = now;
    const verdict = permit.record(outcomeCase.outcome);
    this.check(`verdict of request #${r.id} attempt ${attempt} (${outcomeCase.label})`, verdict, this.ref.record(modelPermit, outcomeCase.expected));
    const report = reportOf(r.id, attempt, outcomeCase.outcome, abortReason);
    if ('response' in report) {
      r.responses.set(report, false);
      report.discard = () => {
        if (r.responses.get(report)) this.fail(`request #${r.id} attempt ${attempt}: response discarded twice`);
        r.responses.set(report, true);
      };
    }
    r.expect = this.#predict(r, attempt, outcomeCase, verdict, report, now);
    return report;
  }

  #predict(r: Tracked, attempt: number, outcomeCase: OutcomeCase, verdict: string, report: AttemptReport<Answer>, now: number): Expectation {
    const retry = this.config.retry;
    const end = (why: string): Expectation => ({ kind: 'end', report, why, failed: verdict === 'failure' });
    if (verdict !== 'failure') return end(`verdict ${verdict}`);
    if (retry === undefined) return end('no retry configured');
    if (!r.spec.replayable) {
      if (retry.attempts > 0) hit('stream body not retried');
      return end('a stream body');
    }
    if (!this.retryable(r.spec)) {
      if (retry.attempts > 0) hit('POST without an Idempotency-Key not retried');
      return end('not idempotent');
    }
    if (attempt > retry.attempts) {
      if (retry.attempts > 0) hit('attempts exhausted');
      return end('attempts exhausted');
    }
    const { outcome, expected } = outcomeCase;
    const asked = retry.respectRetryAfter && outcome.kind === 'response' && (outcome.status === 429 || outcome.status === 503) && expected.verdict === 'failure' ? expected.retryAfterMs : undefined;
    if (asked !== undefined && asked > retry.maxDelay) {
      hit('Retry-After longer than maxDelay ends the retries');
      return end('Retry-After longer than maxDelay');
    }
    const delay = asked ?? 0;
    if (this.ref.state === 'half-open' && this.ref.slotsTaken >= this.ref.config.halfOpenProbes && now + delay - this.ref.roundStartedAt >= this.ref.config.openDuration) {
      hit('retry due when the held probes are forfeited');
    }
    const base = { kind: 'next' as const, attempt: attempt + 1, retryEventSeen: false, eventsAtDecision: this.events };
    // No sleep into a refusal: a breaker that (as far as can be told now) refuses at wake time is asked now.
    if (!this.#modelAdmitsAt(now + delay)) return { ...base, at: now, sleep: false, delay: 0 };
    if (this.budget !== undefined && !this.budget.hasRoom(now)) {
      hit('budget spent');
      return end('budget spent');
    }
    return { ...base, at: now + delay, sleep: true, delay };
  }

  /**
   * Whether the reference breaker, left alone, admits a request at `at`: the contract's "no
   * sleep into a refusal" asks this before a retry waits (a retry it refuses is answered now).
   */
  #modelAdmitsAt(at: number): boolean {
    const ref = this.ref;
    switch (ref.state) {
      case 'closed':
        return true;
      case 'open':
        return at >= ref.openUntil;
      case 'half-open':
        // Every slot held: the held probes are forfeited once the round is openDuration old (API.md: the breaker can never be stuck half-open).
        return ref.slotsTaken < ref.config.halfOpenProbes || at - ref.roundStartedAt >= ref.config.openDuration;
      default:
        return false;
    }
  }

  /**
   * The contract's budget bound, with the window's 1 s buckets, over every retry: counted when
   * it was decided (the budget is charged then, before its wait, as Finagle's is), or when it
   * was sent for one that never passed the budget.
   */
  #countRetry(): void {
    const budget = this.config.retry?.budget;
    if (budget === undefined || budget === false) return;
    this.retriesSent.push({ at: Date.now(), retry: true });
    const { requests, retries } = countInWindow(this.retriesSent, Date.now());
    if (!withinBound(retries, requests, budget.ratio, budget.minPerSecond)) {
      this.fail(`${retries} retries sent in the budget's window over ${requests} requests: over ratio ${budget.ratio} × requests + ${budget.minPerSecond} × 10`);
    }
  }

  #byUrl(url: string): Tracked | undefined {
    const id = Number(url.slice(`${ORIGIN}/r/`.length));
    return this.requests[id];
  }

  #onRejected(event: BreakerBoxEvents['rejected']): void {
    const r = this.#byUrl(event.url);
    if (r === undefined) {
      this.fail(`a refusal of an unknown request ${event.url}`);
      return;
    }
    if (r.refusedIn !== undefined) this.fail(`request #${r.id} refused twice`);
    if (r.aborted) this.fail(`request #${r.id} admitted after its caller aborted`);
    const attempt = r.sends + 1;
    const expect = r.expect;
    this.#admission(r, attempt);
    this.events++;
    this.ref.now = Date.now();
    const admitted = this.ref.admit();
    if (admitted.allowed) this.fail(`request #${r.id} was refused (${event.state}) where the model admits it`);
    else {
      this.check(`state of the refusal of request #${r.id}`, event.state, admitted.state);
      r.refusalRetryAfter = admitted.retryAfter;
    }
    r.refusedIn = event.state;
    if (attempt > 1) {
      if (expect?.kind === 'next' && expect.sleep) {
        // Slept into a refusal: only fair when something else moved the breaker meanwhile.
        if (this.events - 1 === expect.eventsAtDecision) this.fail(`request #${r.id} slept ${expect.delay} ms into a refusal with nothing in between`);
        hit('retry refused after a wait (the breaker moved meanwhile)');
      } else {
        hit('retry refused at once');
      }
    }
  }

  #onRetry(event: BreakerBoxEvents['retry']): void {
    const r = this.#byUrl(event.url);
    const expect = r?.expect;
    if (r === undefined || expect?.kind !== 'next' || !expect.sleep || expect.retryEventSeen) {
      this.fail(`unexpected 'retry' event ${JSON.stringify(event)} (expected ${JSON.stringify(expect)})`);
      return;
    }
    this.check(`'retry' event of request #${r.id}`, { attempt: event.attempt, delay: event.delay, method: event.method, origin: event.origin }, { attempt: expect.attempt, delay: expect.delay, method: r.spec.method, origin: ORIGIN });
    expect.retryEventSeen = true;
    this.#countRetry();
    if (expect.delay > 0) hit('retry after a Retry-After wait');
    if (this.budget !== undefined) {
      if (!this.budget.hasRoom(Date.now())) this.fail(`request #${r.id} retried with the budget spent (${JSON.stringify(this.budget.counts(Date.now()))})`);
      this.budget.withdraw(Date.now());
    }
  }

  #settled(r: Tracked, result: { value: Answer } | { error: unknown }): void {
    this.#settledAs(r, result);
    // One 'fallback' event per fallback served, with its reason.
    const answer = 'value' in result ? result.value : undefined;
    const expected = answer !== undefined && 'fallback' in answer && answer.fallback === 'value' ? [this.#fallbackReason(r)] : [];
    this.check(`'fallback' events of request #${r.id}`, r.fallbackReasons, expected);
  }

  #fallbackReason(r: Tracked): string {
    if (!r.started) return 'bulkhead';
    return r.refusedIn === undefined ? 'failure' : 'open';
  }

  #settledAs(r: Tracked, result: { value: Answer } | { error: unknown }): void {
    const wasQueued = r.phase === 'queued';
    const wasNew = r.phase === 'new';
    r.result = result;
    r.phase = 'settled';
    if (wasQueued) this.queue.splice(this.queue.indexOf(r.id), 1);
    const bulkhead = this.config.bulkhead;
    const answer = 'value' in result ? result.value : undefined;
    const error = 'error' in result ? result.error : undefined;
    if (!r.started) {
      // Never got a slot: turned away by the bulkhead (full, or after queueTimeout), or aborted while queued.
      if (r.sends > 0 || r.refusedIn !== undefined) this.fail(`request #${r.id} admitted without a bulkhead slot`);
      if (r.aborted && wasQueued) {
        this.check(`request #${r.id} aborted in the queue rejects with the abort reason`, error === r.controller.signal.reason, true);
        return;
      }
      this.bulkheadRefusals++;
      const timedOut = wasQueued;
      if (bulkhead === undefined) {
        this.fail(`request #${r.id} settled without an attempt and without a bulkhead`);
        return;
      }
      if (timedOut) {
        hit('queue timeout');
        if (bulkhead.queueTimeout === undefined) this.fail(`request #${r.id} left the queue without a queueTimeout`);
        else this.check(`request #${r.id} queue wait`, Date.now() - r.queuedAt, bulkhead.queueTimeout);
      } else {
        hit('bulkhead full');
        if (!wasNew) this.fail(`request #${r.id} refused by the bulkhead in phase ${r.phase}`);
      }
      if (this.config.fallbackValue) {
        hit('bulkhead refusal answered by the fallback');
        this.check(`request #${r.id} bulkhead fallback`, answer, { fallback: 'value' });
      } else if (!isBulkheadFullError(error)) {
        this.fail(`request #${r.id} turned away with ${String(error)}, not a BulkheadFullError`);
      } else {
        this.check(
          `BulkheadFullError of request #${r.id}`,
          { origin: error.origin, method: error.method, url: error.url, maxConcurrent: error.maxConcurrent, maxQueue: error.maxQueue, queueTimeout: error.queueTimeout },
          { origin: ORIGIN, method: r.spec.method, url: r.url, maxConcurrent: bulkhead.maxConcurrent, maxQueue: bulkhead.maxQueue, queueTimeout: timedOut ? bulkhead.queueTimeout : undefined },
        );
      }
      return;
    }
    const expect = r.expect;
    r.expect = undefined;
    if (r.refusedIn !== undefined) {
      if (this.config.fallbackValue) {
        hit('refusal answered by the fallback');
        this.check(`request #${r.id} refusal fallback`, answer, { fallback: 'value' });
      } else if (this.config.onRefusal === 'respond') {
        hit('refusal answered by a refusal response');
        this.check(`request #${r.id} refusal response`, answer, { fallback: 'refused' });
      } else if (!isCircuitOpenError(error)) {
        this.fail(`request #${r.id} refused with ${String(error)}, not a CircuitOpenError`);
      } else {
        this.check(`CircuitOpenError of request #${r.id}`, { origin: error.origin, state: error.state, retryAfter: error.retryAfter }, { origin: ORIGIN, state: r.refusedIn, retryAfter: r.refusalRetryAfter });
      }
    } else if (expect?.kind === 'end' && expect.failed && this.config.fallbackValue && this.config.failureFallback) {
      hit('last failure answered by the fallback');
      this.failureFallbacks++;
      this.check(`request #${r.id} failure fallback`, answer, { fallback: 'value' });
    } else if (expect?.kind === 'end') {
      const report = expect.report;
      const returned = 'response' in report ? answer === report.response : error === report.error;
      if (!returned) this.fail(`request #${r.id} settled with ${JSON.stringify(answer ?? String(error))}, not its last attempt's result`);
    } else if (r.aborted && expect?.kind === 'next' && expect.sleep && Date.now() < expect.at) {
      this.check(`request #${r.id} aborted during a retry wait rejects with the abort reason`, error === r.controller.signal.reason, true);
    } else {
      this.fail(`request #${r.id} settled (${JSON.stringify(answer ?? String(error))}) when ${JSON.stringify(expect)} was expected`);
    }
    // A response the caller does not get is let go; the one it gets is not.
    for (const [report, discarded] of r.responses) {
      const isAnswer = 'response' in report && answer === report.response;
      if (discarded === isAnswer) this.fail(`request #${r.id}: a response ${isAnswer ? 'returned to the caller was discarded' : 'dropped by the pipeline was never discarded'}`);
    }
  }

  // --- after every step ---

  /** Everything that must hold once the microtasks ran out. */
  verifyQuiet(): void {
    const now = Date.now();
    const bulkhead = this.config.bulkhead;
    for (const r of this.requests) {
      if (r.phase === 'settled') continue;
      if (r.phase === 'new') this.fail(`request #${r.id} is neither queued, started nor settled`);
      if (r.phase === 'queued') {
        if (bulkhead !== undefined && this.startedCount() < bulkhead.maxConcurrent) this.fail(`request #${r.id} waits in the queue while a slot is free`);
        if (bulkhead?.queueTimeout !== undefined && now >= r.queuedAt + bulkhead.queueTimeout) this.fail(`request #${r.id} waits in the queue past its queueTimeout`);
        continue;
      }
      if (r.held !== undefined) continue;
      const expect = r.expect;
      if (expect?.kind === 'next' && expect.sleep && now < expect.at) continue;
      this.fail(`request #${r.id} is stuck: ${JSON.stringify(expect)} at ${now}`);
    }
    if (bulkhead !== undefined) {
      this.check('bulkhead slots taken', this.activeSlots(), this.startedCount());
      if (this.queue.length > bulkhead.maxQueue) this.fail(`${this.queue.length} requests queued, maxQueue ${bulkhead.maxQueue}`);
    }
    this.ref.now = now;
    this.check('state', this.box.state(ORIGIN), this.ref.observedState());
    const entry = this.box.snapshot().find((e) => e.origin === ORIGIN);
    const expected: Record<string, unknown> = {
      origin: ORIGIN,
      state: this.ref.observedState(),
      failures: this.ref.failures,
      successes: this.ref.successes,
      rejected: this.ref.rejected,
      // A static value answers every refusal, the bulkhead's included, and with 'open-or-failure' each request's last failure.
      fallbacks: this.config.fallbackValue ? this.ref.rejected + this.bulkheadRefusals + this.failureFallbacks : 0,
    };
    if (this.ref.observedState() !== 'closed') expected.openedAt = this.ref.openedAt;
    const retryAfter = this.ref.retryAfter();
    if (retryAfter !== undefined) expected.retryAfter = retryAfter;
    this.check('snapshot', entry, expected);
  }

  /** Requests whose current attempt is held open. */
  heldRequests(): Tracked[] {
    return this.requests.filter((r) => r.held !== undefined);
  }

  pendingRequests(): Tracked[] {
    return this.requests.filter((r) => r.phase !== 'settled' && !r.aborted);
  }
}

function reportOf(id: number, attempt: number, outcome: Outcome, abortReason: unknown): AttemptReport<Answer> {
  if (outcome.kind === 'response') return { response: { id, attempt, status: outcome.status }, headers: outcome.headers };
  if (outcome.kind === 'aborted') return { error: abortReason ?? new DOMException(`attempt ${attempt} of #${id} aborted`, 'AbortError') };
  return { error: new Error(`attempt ${attempt} of #${id}: ${outcome.kind}`) };
}

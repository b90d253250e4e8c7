import type { OriginPolicies } from '../resilience/pipeline.js';
import type { ResolvedHostOptions } from './options.js';
import { parseRetryAfter } from './retry-after.js';
import { Trouble, type Windows, windowsFor } from './breaker-parts.js';
import type { RollingWindow } from './rolling-window.js';
import type { CircuitState, Outcome, StateChangeCause, Verdict } from './types.js';

/** What a breaker needs from its box: time, randomness, and a way to announce state changes. */
export interface BreakerContext {
  now(): number;
  random(): number;
  stateChanged(origin: string, from: CircuitState, to: CircuitState, cause: StateChangeCause, openFor: number | undefined, until: number | undefined): void;
}

/** Jitter takes up to this share off an escalated open time, so breakers that opened together do not probe together. */
const JITTER = 0.2;

/**
 * The state machine of one origin. Timer-free: open → half-open happens on the first
 * admission after the open time ends (cockatiel's lazy check), so an idle breaker costs
 * nothing and never holds a process open.
 *
 * Every transition bumps `generation`. A permit remembers the generation it was
 * admitted in, and its outcome moves the state only if nothing changed meanwhile: a
 * slow request from before the breaker opened cannot close or re-open it later.
 */
export class Breaker {
  // Every field costs 8 bytes per origin, and a box may know thousands of origins that
  // only ever succeed (bench P3.1: ≤ 256 B per idle origin, its key included). So the
  // object holds only what the closed path reads; the rest lives in two objects made when
  // needed. No `#private` methods either: V8 gives each instance of a class that has one
  // a brand slot of its own, so the internal methods are TypeScript `private`.
  readonly origin: string;
  readonly options: ResolvedHostOptions;
  readonly #context: BreakerContext;

  state: CircuitState = 'closed';
  generation = 0;
  consecutiveFailures = 0;
  inFlight = 0;
  /** Set on every admission; the registry's second-chance eviction clears it. */
  touched = true;
  /** Retry budget and bulkhead of the origin, created when its options first need them. */
  policies: OriginPolicies | undefined = undefined;
  successes = 0;

  /** The rolling windows the options ask for; `undefined` when none is configured. */
  readonly #windows: Windows | undefined;
  /** Made on the first failure, refusal, fallback or transition, then kept: see {@link Trouble}. */
  #trouble: Trouble | undefined = undefined;

  constructor(origin: string, options: ResolvedHostOptions, context: BreakerContext) {
    this.origin = origin;
    this.options = options;
    this.#context = context;
    this.#windows = windowsFor(options.breaker);
  }

  /** The slow-call window, when `slowCall` is set. */
  get slowWindow(): RollingWindow | undefined {
    return this.#windows?.slow;
  }

  /** When the breaker last opened or was isolated (the box's clock); 0 if it never was. */
  get openedAt(): number {
    return this.#trouble?.openedAt ?? 0;
  }

  /** While open: when the next probe may go out. */
  get openUntil(): number {
    return this.#trouble?.openUntil ?? 0;
  }

  /** While half-open: the probes admitted in this round. */
  get probesAdmitted(): number {
    return this.#trouble?.probesAdmitted ?? 0;
  }

  /** While half-open: when the probe slots held by requests that never reported are forfeited. */
  get probeDeadline(): number {
    return this.#trouble?.probeDeadline ?? 0;
  }

  /** While a `Retry-After` pause holds the breaker open: the state it returns to after. */
  get resumeTo(): 'closed' | 'half-open' | undefined {
    return this.#trouble?.resumeTo;
  }

  /** Failures counted since the breaker was made (a reset keeps them). */
  get failures(): number {
    return this.#trouble?.failures ?? 0;
  }

  /** Requests refused since the breaker was made; the box counts them with {@link countRefusal}. */
  get rejected(): number {
    return this.#trouble?.rejected ?? 0;
  }

  /** Fallbacks served since the breaker was made; the box counts them with {@link countFallback}. */
  get fallbacks(): number {
    return this.#trouble?.fallbacks ?? 0;
  }

  /** One more request refused. A method, not `rejected++` through a getter and a setter: it runs on every refusal. */
  countRefusal(): void {
    this.troubled().rejected++;
  }

  /** One more fallback served. */
  countFallback(): void {
    this.troubled().fallbacks++;
  }

  /**
   * Step one: may a request go out? Returns -1 when refused, 0 for a normal admission,
   * 1 for a half-open probe (which holds one of the `halfOpenProbes` slots).
   */
  tryAdmit(): -1 | 0 | 1 {
    this.touched = true;
    if (this.state === 'closed') {
      this.inFlight++;
      return 0;
    }
    if (this.state === 'isolated') return -1;
    const now = this.#context.now();
    // Every state but closed is entered through a transition, which made it.
    const trouble = this.#trouble!;
    if (this.state === 'open') {
      // A clock stepped back must not stretch the open time: keep what was left of it.
      if (now < trouble.openedAt) {
        trouble.openUntil -= trouble.openedAt - now;
        trouble.openedAt = now;
      }
      if (now < trouble.openUntil) return -1;
      if (trouble.resumeTo === 'closed') {
        this.resumeClosed(trouble);
        this.inFlight++;
        return 0;
      }
      this.enterHalfOpen(now, trouble.resumeTo === undefined ? 'open-elapsed' : 'pause-ended');
    } else if (trouble.probesAdmitted >= this.options.breaker.halfOpenProbes) {
      if (now < trouble.probeDeadline) return -1;
      // Every probe slot is held by a request that never reported: start a fresh round.
      this.enterHalfOpen(now, 'open-elapsed');
    }
    trouble.probesAdmitted++;
    this.inFlight++;
    return 1;
  }

  /**
   * Step two: apply one admitted request's outcome. `probe` and `generation` are the
   * permit's; `startedAt` is its admission time (only read for the slow-call rule).
   */
  record(verdict: Verdict, outcome: Outcome, probe: boolean, generation: number, startedAt: number): void {
    // The common case, kept small enough for V8 to inline into the caller: a success on a
    // closed breaker with no rolling windows only resets the failure streak.
    if (verdict === 'success' && this.state === 'closed' && generation === this.generation && this.#windows === undefined) {
      this.inFlight--;
      this.successes++;
      this.consecutiveFailures = 0;
      return;
    }
    this.recordAny(verdict, outcome, probe, generation, startedAt);
  }

  private recordAny(verdict: Verdict, outcome: Outcome, probe: boolean, generation: number, startedAt: number): void {
    this.inFlight--;
    const current = generation === this.generation;
    if (verdict === 'ignore') {
      // The caller aborted, or the classifier had no opinion: give the probe slot back.
      if (probe && current && this.state === 'half-open') this.#trouble!.probesAdmitted--;
      return;
    }
    const failed = verdict === 'failure';
    if (failed) this.troubled().failures++;
    else this.successes++;
    const { slowCall, failureRate } = this.options.breaker;
    const needsTime = failed || slowCall !== undefined || failureRate !== undefined;
    const now = needsTime ? this.#context.now() : 0;
    const slow = slowCall !== undefined && now - startedAt >= slowCall.duration;
    if (!current) return;

    if (this.state === 'closed') {
      const windows = this.#windows;
      windows?.failure?.add(now, failed);
      windows?.slow?.add(now, slow);
      if (failed) {
        this.consecutiveFailures++;
        this.tripIfDue(now, this.retryAfterOf(outcome, now));
        return;
      }
      this.consecutiveFailures = 0;
      if (slowCall !== undefined && slow && windows!.slow!.tripped(now, slowCall.minimumCalls, slowCall.threshold)) {
        this.open(now, this.escalatedOpenTime(), 'slow-calls');
      }
    } else if (this.state === 'half-open' && probe) {
      const trouble = this.#trouble!;
      // A slow probe says the host has not recovered either.
      if (failed || slow) {
        const retryAfter = failed ? this.retryAfterOf(outcome, now) : undefined;
        if (retryAfter !== undefined && retryAfter > 0) {
          this.pause(now, retryAfter, 'half-open');
          return;
        }
        trouble.openLevel++;
        this.open(now, this.escalatedOpenTime(), 'probe-failed');
      } else if (++trouble.probeSuccesses >= this.options.breaker.halfOpenProbes) {
        this.close('probe-succeeded');
      }
    }
  }

  /**
   * Step two, later: the body of a response recorded as a success broke off or stalled.
   * The attempt counts as one failure instead of that success. `streakBefore` is the
   * failure streak the success reset, so a host whose every body breaks still trips
   * `failureThreshold`. Only a closed breaker of the same generation is moved: once the
   * breaker has moved on, it has judged the host by newer attempts.
   */
  recordBodyFailure(generation: number, streakBefore: number): void {
    this.successes--;
    this.troubled().failures++;
    if (generation !== this.generation || this.state !== 'closed') return;
    const now = this.#context.now();
    this.#windows?.failure?.reclassify(now);
    this.consecutiveFailures = Math.max(this.consecutiveFailures, streakBefore) + 1;
    this.tripIfDue(now, undefined);
  }

  /** After a failure on a closed breaker: open (or pause) if a rule says so. Returns whether it did. */
  private tripIfDue(now: number, retryAfter: number | undefined): boolean {
    const { failureRate, failureThreshold } = this.options.breaker;
    let cause: StateChangeCause | undefined;
    if (this.consecutiveFailures >= failureThreshold) cause = 'failures';
    else if (failureRate !== undefined && this.#windows!.failure!.tripped(now, failureRate.minimumCalls, failureRate.threshold)) cause = 'failure-rate';
    if (cause !== undefined) {
      // Tripped anyway: open for the longer of the open time and what the host asked for.
      const openFor = retryAfter === undefined ? this.escalatedOpenTime() : Math.max(this.escalatedOpenTime(), Math.min(retryAfter, this.options.breaker.maxOpenDuration));
      this.open(now, openFor, cause);
      return true;
    }
    if (retryAfter !== undefined && retryAfter > 0) {
      this.pause(now, retryAfter, 'closed');
      return true;
    }
    return false;
  }

  /**
   * Open the breaker until `until` (the box's clock), on another replica's word or the
   * user's. Never shortens an open time, never touches an isolated breaker, and never
   * opens for longer than `maxOpenDuration` (a skewed peer clock cannot park us for hours).
   */
  holdOpenUntil(now: number, until: number): void {
    if (this.state === 'isolated') return;
    const capped = Math.min(until, now + this.options.breaker.maxOpenDuration);
    if (capped <= now) return;
    if (this.state === 'open' && this.#trouble!.openUntil >= capped) return;
    this.open(now, capped - now, 'open-until');
  }

  /**
   * Whether forgetting this breaker would lose work in progress: an attempt in flight, or a
   * request in its pipeline (queued for a bulkhead slot, or waiting out a retry delay).
   */
  busy(): boolean {
    return this.inFlight > 0 || this.holdsSlots();
  }

  /** Whether requests are inside its pipeline (queued, or between attempts): always given back. */
  holdsSlots(): boolean {
    return (this.policies?.active ?? 0) > 0;
  }

  /** Force open until {@link reset}. */
  isolate(now: number): void {
    const from = this.state;
    const trouble = this.troubled();
    this.state = 'isolated';
    trouble.openedAt = now;
    this.generation++;
    trouble.resumeTo = undefined;
    if (from !== 'isolated') this.#context.stateChanged(this.origin, from, 'isolated', 'isolate', undefined, undefined);
  }

  /**
   * Back to a fresh closed state. The lifetime counters (successes, failures...) are kept.
   * Always a new generation: requests in flight from before the reset never move the new
   * state, whatever state the breaker was in.
   */
  reset(): void {
    this.close('reset');
  }

  /** Ms until the next probe may go out: only known while open. */
  retryAfter(now: number): number | undefined {
    return this.state === 'open' ? Math.max(0, this.#trouble!.openUntil - now) : undefined;
  }

  private retryAfterOf(outcome: Outcome, now: number): number | undefined {
    if (!this.options.breaker.respectRetryAfter || outcome.kind !== 'response') return undefined;
    if (outcome.status !== 429 && outcome.status !== 503) return undefined;
    return parseRetryAfter(outcome.headers, now);
  }

  /** The breaker's {@link Trouble}, made now if it had none. */
  private troubled(): Trouble {
    return (this.#trouble ??= new Trouble());
  }

  /**
   * A `Retry-After` on a 429/503 that tripped no rule: refuse for exactly that long (capped
   * at `maxOpenDuration`, never raised to `openDuration`), then flow as before the pause.
   */
  private pause(now: number, retryAfter: number, resumeTo: 'closed' | 'half-open'): void {
    // The streak survives the pause: a host that answers every call with 503 and a short
    // Retry-After still reaches failureThreshold, one pause at a time.
    const streak = this.consecutiveFailures;
    this.open(now, Math.min(retryAfter, this.options.breaker.maxOpenDuration), 'retry-after');
    this.consecutiveFailures = streak;
    this.#trouble!.resumeTo = resumeTo;
  }

  /** The end of a pause taken on a closed breaker: closed again, the failure streak kept. */
  private resumeClosed(trouble: Trouble): void {
    this.state = 'closed';
    this.generation++;
    trouble.resumeTo = undefined;
    this.#context.stateChanged(this.origin, 'open', 'closed', 'pause-ended', undefined, undefined);
  }

  /** `openDuration`, doubled per failed probe since the breaker last closed, with jitter, capped. */
  private escalatedOpenTime(): number {
    const { openDuration, maxOpenDuration } = this.options.breaker;
    const level = this.#trouble?.openLevel ?? 0;
    if (level === 0) return openDuration;
    const doubled = Math.min(maxOpenDuration, openDuration * 2 ** level);
    return Math.max(openDuration, Math.round(doubled * (1 - JITTER * this.#context.random())));
  }

  private open(now: number, openFor: number, cause: StateChangeCause): void {
    const from = this.state;
    const trouble = this.troubled();
    this.state = 'open';
    this.generation++;
    trouble.openedAt = now;
    trouble.openUntil = now + openFor;
    trouble.resumeTo = undefined;
    this.consecutiveFailures = 0;
    trouble.probesAdmitted = 0;
    trouble.probeSuccesses = 0;
    this.#windows?.failure?.clear();
    this.#windows?.slow?.clear();
    this.#context.stateChanged(this.origin, from, 'open', cause, openFor, trouble.openUntil);
  }

  private enterHalfOpen(now: number, cause: StateChangeCause): void {
    const from = this.state;
    const trouble = this.troubled();
    this.state = 'half-open';
    this.generation++;
    trouble.resumeTo = undefined;
    trouble.probesAdmitted = 0;
    trouble.probeSuccesses = 0;
    trouble.probeDeadline = now + this.options.breaker.openDuration;
    if (from !== 'half-open') this.#context.stateChanged(this.origin, from, 'half-open', cause, undefined, undefined);
  }

  private close(cause: StateChangeCause): void {
    const from = this.state;
    this.state = 'closed';
    this.generation++;
    this.consecutiveFailures = 0;
    // No trouble: never opened, so there is no open-state bookkeeping to clear.
    const trouble = this.#trouble;
    if (trouble !== undefined) {
      trouble.resumeTo = undefined;
      trouble.openLevel = 0;
      trouble.probesAdmitted = 0;
      trouble.probeSuccesses = 0;
    }
    this.#windows?.failure?.clear();
    this.#windows?.slow?.clear();
    if (from !== 'closed') this.#context.stateChanged(this.origin, from, 'closed', cause, undefined, undefined);
  }
}

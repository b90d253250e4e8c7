/**
 * A small reference model of ONE origin's breaker, written from the documented contract
 * (shared/API.md "Breaker options", the BreakerOptions JSDoc), not from src/core. The
 * model-based test drives it and the real box side by side and compares every
 * observable after every step. Randomness is fixed (the box gets `random: () => 0`), so
 * an escalated open time is exactly `min(maxOpenDuration, openDuration * 2^reopens)`.
 *
 * Contract points encoded here:
 * - closed: every request goes; `failureThreshold` consecutive failures open it (for the
 *   longer of openDuration and a Retry-After the last failure carried, capped); a 429/503
 *   failure carrying a valid Retry-After > 0 that trips nothing pauses it for exactly
 *   min(retryAfter, maxOpenDuration), after which requests flow as before (closed, the
 *   failure streak kept);
 * - open: everything is refused until the open time ends; the first request after that
 *   starts a half-open round;
 * - half-open: `halfOpenProbes` requests go at once, the rest are refused; all probes
 *   succeeding closes it; any probe failing re-opens it for twice as long as the last
 *   time (capped), or pauses it for its Retry-After, then a new round; an ignored (or aborted) probe gives its slot
 *   back; when every slot is held and `openDuration` has passed since the round began,
 *   the held slots are forfeited and a new round starts;
 * - isolate: refused until reset; reset: a fresh closed breaker;
 * - an outcome of a request admitted before the breaker last changed phase only counts
 *   in the lifetime counters.
 */

export interface ModelConfig {
  failureThreshold: number;
  openDuration: number;
  maxOpenDuration: number;
  halfOpenProbes: number;
}

export type ModelState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What an attempt returned, in the model's terms. `retryAfterMs` only for a 429/503 with a valid header. */
export type ModelOutcome = { verdict: 'success' } | { verdict: 'ignore' } | { verdict: 'failure'; retryAfterMs?: number };

export interface ModelPermit {
  phase: number;
  probe: boolean;
  /** The verdict of the first `record`, once recorded. */
  recorded?: ModelOutcome['verdict'];
}

export type ModelAdmission = { allowed: true; permit: ModelPermit } | { allowed: false; state: Exclude<ModelState, 'closed'>; retryAfter: number | undefined };

/** How often each interesting transition happened across runs, so the test can prove the generator reaches them. */
export const coverage: Map<string, number> = new Map();
function hit(milestone: string): void {
  coverage.set(milestone, (coverage.get(milestone) ?? 0) + 1);
}

export class ReferenceBreaker {
  readonly config: ModelConfig;
  now: number;
  state: ModelState = 'closed';
  /** Changes on every phase change; permits remember it. */
  phase = 0;
  failureStreak = 0;
  /** Re-opens from half-open since the breaker last closed. */
  reopens = 0;
  openedAt: number | undefined;
  openUntil = 0;
  /** Set during a Retry-After pause: where the breaker goes when it ends. */
  resumeTo: 'closed' | 'half-open' | undefined;
  roundStartedAt = 0;
  slotsTaken = 0;
  probesPassed = 0;
  successes = 0;
  failures = 0;
  rejected = 0;

  constructor(config: ModelConfig, now: number) {
    this.config = config;
    this.now = now;
  }

  /** The state an observer sees: an open breaker whose time is up reports half-open. */
  observedState(): ModelState {
    if (this.state !== 'open' || this.now < this.openUntil) return this.state;
    return this.resumeTo === 'closed' ? 'closed' : 'half-open';
  }

  /** Ms until a probe may go, only while (observably) open. */
  retryAfter(): number | undefined {
    return this.observedState() === 'open' ? this.openUntil - this.now : undefined;
  }

  admit(): ModelAdmission {
    if (this.state === 'open' && this.now >= this.openUntil && this.resumeTo === 'closed') {
      hit('pause ended');
      this.state = 'closed';
      this.phase++;
      this.resumeTo = undefined;
      this.openedAt = undefined;
    }
    if (this.state === 'closed') return { allowed: true, permit: { phase: this.phase, probe: false } };
    if (this.state === 'open' && this.now >= this.openUntil) this.#startRound();
    if (this.state === 'half-open') {
      const timedOut = this.now - this.roundStartedAt >= this.config.openDuration;
      if (this.slotsTaken >= this.config.halfOpenProbes && timedOut) {
        hit('held probes forfeited');
        this.#startRound();
      }
      if (this.slotsTaken < this.config.halfOpenProbes) {
        this.slotsTaken++;
        return { allowed: true, permit: { phase: this.phase, probe: true } };
      }
    }
    this.rejected++;
    if (this.state === 'half-open') hit('refused in half-open');
    return { allowed: false, state: this.state as Exclude<ModelState, 'closed'>, retryAfter: this.retryAfter() };
  }

  /** Returns the verdict that counts (the first one recorded for this permit). */
  record(permit: ModelPermit, outcome: ModelOutcome): ModelOutcome['verdict'] {
    if (permit.recorded !== undefined) return permit.recorded;
    permit.recorded = outcome.verdict;
    if (outcome.verdict === 'success') this.successes++;
    if (outcome.verdict === 'failure') this.failures++;
    if (permit.phase !== this.phase) {
      hit('stale outcome');
      return outcome.verdict;
    }

    if (outcome.verdict === 'ignore') {
      if (permit.probe) {
        hit('probe slot given back');
        this.slotsTaken--;
      }
    } else if (this.state === 'closed') {
      if (outcome.verdict === 'success') {
        this.failureStreak = 0;
      } else if (++this.failureStreak >= this.config.failureThreshold) {
        const asked = outcome.retryAfterMs ?? 0;
        this.#open(Math.max(this.config.openDuration, Math.min(asked, this.config.maxOpenDuration)));
      } else if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0) {
        hit(outcome.retryAfterMs > this.config.maxOpenDuration ? 'retry-after capped' : 'retry-after honoured');
        this.#pause(outcome.retryAfterMs, 'closed');
      }
    } else if (this.state === 'half-open') {
      if (outcome.verdict === 'failure' && outcome.retryAfterMs !== undefined && outcome.retryAfterMs > 0) {
        hit('probe paused');
        this.#pause(outcome.retryAfterMs, 'half-open');
      } else if (outcome.verdict === 'failure') {
        this.reopens++;
        hit(this.reopens >= 2 ? 'escalated twice' : 'escalated');
        const doubled = Math.min(this.config.maxOpenDuration, this.config.openDuration * 2 ** this.reopens);
        this.#open(doubled);
      } else if (++this.probesPassed >= this.config.halfOpenProbes) {
        hit(this.config.halfOpenProbes > 1 ? 'closed by several probes' : 'closed by a probe');
        this.#close();
      }
    }
    return outcome.verdict;
  }

  isolate(): void {
    this.resumeTo = undefined;
    this.state = 'isolated';
    this.phase++;
    this.openedAt = this.now;
  }

  reset(): void {
    // A reset starts over: requests in flight from before it never move the new state.
    this.#close();
  }

  /** A pause keeps the failure streak: it is the host asking for time, not a verdict. */
  #pause(ms: number, resumeTo: 'closed' | 'half-open'): void {
    const streak = this.failureStreak;
    this.#open(Math.min(ms, this.config.maxOpenDuration));
    this.failureStreak = streak;
    this.resumeTo = resumeTo;
  }

  #open(duration: number): void {
    this.resumeTo = undefined;
    this.state = 'open';
    this.phase++;
    this.openedAt = this.now;
    this.openUntil = this.now + duration;
    this.failureStreak = 0;
  }

  #startRound(): void {
    this.resumeTo = undefined;
    this.state = 'half-open';
    this.phase++;
    this.roundStartedAt = this.now;
    this.slotsTaken = 0;
    this.probesPassed = 0;
  }

  #close(): void {
    this.resumeTo = undefined;
    this.state = 'closed';
    this.phase++;
    this.failureStreak = 0;
    this.reopens = 0;
    this.openedAt = undefined;
  }
}

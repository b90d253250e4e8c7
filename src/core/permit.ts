import { CircuitOpenError } from '../errors.js';
import { show } from './validate.js';
import type { Breaker } from './breaker.js';
import type { CacheRequest } from '../fallback/cache-policy.js';
import type {
  AllowedPermit,
  BodyCollector,
  BreakerRequest,
  FallbackResponse,
  HeadersLike,
  Outcome,
  RejectedPermit,
  StorableResponse,
  Verdict,
} from './types.js';

/** What permits need from their box, kept narrow so permits stay cheap to create. */
export interface PermitHost {
  now(): number;
  fallbackFor(permit: PermitBase, reason: 'open' | 'failure' | 'bulkhead'): Promise<FallbackResponse | undefined>;
  store(permit: PermitBase, response: StorableResponse): void;
  collector(permit: PermitBase, status: number, statusText: string, headers: HeadersLike): BodyCollector | undefined;
  recorded(permit: AdmittedPermit, outcome: Outcome, verdict: Verdict): void;
}

const noFallback: Promise<undefined> = Promise.resolve(undefined);

/**
 * The request a permit was issued for; it doubles as the {@link BreakerRequest} classifiers see.
 * An interface, not a base class: V8 does not inline a derived constructor's `super()`, and
 * that generic construct call cost about a quarter of `admit()` + `record()`.
 */
export interface PermitBase extends BreakerRequest {
  /** What the cache knows of the request, read at call time; only when the origin has a cached fallback. */
  readonly cacheRequest: CacheRequest | undefined;
  readonly breaker: Breaker;
}

/** An admitted request. One object per request, methods on the prototype: no closures on the hot path. */
export class AdmittedPermit implements PermitBase, AllowedPermit {
  readonly method: string;
  readonly url: string;
  readonly cacheRequest: CacheRequest | undefined;
  readonly breaker: Breaker;
  protected readonly host: PermitHost;
  readonly probe: boolean;
  readonly generation: number;
  readonly startedAt: number;
  #verdict: Verdict | undefined;
  /** The outcome that counted, as the classifier saw it (for a retry's Retry-After). */
  outcome: Outcome | undefined;
  /** The failure streak a success reset, for {@link bodyFailed}; -1 once the body failure is counted. */
  #streakBefore = 0;

  constructor(host: PermitHost, breaker: Breaker, method: string, url: string, cacheRequest: CacheRequest | undefined, probe: boolean, startedAt: number) {
    this.host = host;
    this.breaker = breaker;
    this.method = method;
    this.url = url;
    this.cacheRequest = cacheRequest;
    this.probe = probe;
    this.generation = breaker.generation;
    this.startedAt = startedAt;
  }

  // Read from the prototype and the breaker, not stored: every field is written once per request.
  get allowed(): true {
    return true;
  }

  get origin(): string {
    return this.breaker.origin;
  }

  get verdict(): Verdict | undefined {
    return this.#verdict;
  }

  get timeout(): number | undefined {
    return this.breaker.options.timeout;
  }

  get bodyTimeout(): number | undefined {
    return this.breaker.options.bodyTimeout;
  }

  elapsed(): number {
    return this.host.now() - this.startedAt;
  }

  record(outcome: Outcome): Verdict {
    if (this.#verdict !== undefined) return this.#verdict;
    const counted = this.#asCounted(outcome);
    const verdict = this.#classify(counted);
    this.#verdict = verdict;
    this.outcome = counted;
    this.#streakBefore = this.breaker.consecutiveFailures;
    this.breaker.record(verdict, counted, this.probe, this.generation, this.startedAt);
    this.host.recorded(this, counted, verdict);
    return verdict;
  }

  release(): void {
    if (this.#verdict !== undefined) return;
    this.#verdict = 'ignore';
    this.breaker.record('ignore', { kind: 'aborted' }, this.probe, this.generation, this.startedAt);
  }

  bodyFailed(outcome: Outcome): void {
    if (this.#verdict !== 'success' || this.#streakBefore < 0) return;
    // Not #asCounted: once the body flows, a caller's abort is the caller leaving (a user who
    // closed a long stream), however late; a stalled body is bodyTimeout's to judge.
    const counted = outcome;
    if (this.#classify(counted) !== 'failure') return;
    const streakBefore = this.#streakBefore;
    this.#streakBefore = -1;
    this.breaker.recordBodyFailure(this.generation, streakBefore);
    this.host.recorded(this, counted, 'failure');
  }

  fallback(): Promise<FallbackResponse | undefined> {
    if (this.#verdict !== 'failure' || this.breaker.options.fallback.when !== 'open-or-failure') return noFallback;
    return this.host.fallbackFor(this, 'failure');
  }

  storeResponse(response: StorableResponse): void {
    if (this.cacheRequest !== undefined) this.host.store(this, response);
  }

  cacheCollector(response: { status: number; statusText?: string | undefined; headers: HeadersLike }): BodyCollector | undefined {
    return this.cacheRequest === undefined ? undefined : this.host.collector(this, response.status, response.statusText ?? '', response.headers);
  }

  /** An SDK's own timeout looks like the caller's abort; `callerTimeout` says when it is one. */
  #asCounted(outcome: Outcome): Outcome {
    const { callerTimeout } = this.breaker.options;
    return outcome.kind === 'aborted' && callerTimeout !== undefined && this.elapsed() >= callerTimeout ? { kind: 'timeout' } : outcome;
  }

  /** The classifier's verdict. A broken classifier must not wedge a half-open slot: its mistake counts as 'ignore', then is reported. */
  #classify(outcome: Outcome): Verdict {
    let returned: unknown;
    try {
      returned = this.breaker.options.classify(outcome, this);
    } catch (error) {
      reportClassifierError(error);
      return 'ignore';
    }
    if (returned === 'success' || returned === 'failure' || returned === 'ignore') return returned;
    reportClassifierError(new TypeError(`classify must return 'success', 'failure' or 'ignore', got ${show(returned)}`));
    return 'ignore';
  }
}

/** Like a listener's error: reported, never allowed to break the request or hold a probe slot. */
function reportClassifierError(error: unknown): void {
  console.error('breakerbox: classify threw or returned an invalid verdict; the outcome was not counted.', error);
}

/** A refused request. Its error is built only when asked for: an `Error` costs microseconds to create. */
export class RefusedPermit implements PermitBase, RejectedPermit {
  readonly method: string;
  readonly url: string;
  readonly cacheRequest: CacheRequest | undefined;
  readonly breaker: Breaker;
  protected readonly host: PermitHost;
  #error: CircuitOpenError | undefined;

  constructor(host: PermitHost, breaker: Breaker, method: string, url: string, cacheRequest: CacheRequest | undefined) {
    this.host = host;
    this.breaker = breaker;
    this.method = method;
    this.url = url;
    this.cacheRequest = cacheRequest;
  }

  get allowed(): false {
    return false;
  }

  get origin(): string {
    return this.breaker.origin;
  }

  get error(): CircuitOpenError {
    if (this.#error === undefined) {
      const state = this.breaker.state === 'closed' ? 'open' : this.breaker.state;
      this.#error = new CircuitOpenError({
        origin: this.origin,
        state,
        retryAfter: this.breaker.retryAfter(this.host.now()),
        method: this.method,
        url: this.url,
      });
    }
    return this.#error;
  }

  fallback(): Promise<FallbackResponse | undefined> {
    return this.host.fallbackFor(this, 'open');
  }
}

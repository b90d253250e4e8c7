import { CircuitOpenError } from '../errors.js';
import { show } from './validate.js';
import type { Breaker } from './breaker.js';
import type {
  AllowedPermit,
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
  fallbackFor(permit: PermitBase, reason: 'open' | 'failure'): Promise<FallbackResponse | undefined>;
  store(permit: PermitBase, response: StorableResponse): void;
  recorded(permit: AdmittedPermit, outcome: Outcome, verdict: Verdict): void;
}

const noFallback: Promise<undefined> = Promise.resolve(undefined);

/**
 * The request a permit was issued for; it doubles as the {@link BreakerRequest} classifiers see.
 * An interface, not a base class: V8 does not inline a derived constructor's `super()`, and
 * that generic construct call cost about a quarter of `admit()` + `record()`.
 */
export interface PermitBase extends BreakerRequest {
  readonly headers: HeadersLike | undefined;
  readonly breaker: Breaker;
}

/** An admitted request. One object per request, methods on the prototype: no closures on the hot path. */
export class AdmittedPermit implements PermitBase, AllowedPermit {
  readonly origin: string;
  readonly method: string;
  readonly url: string;
  readonly headers: HeadersLike | undefined;
  readonly breaker: Breaker;
  protected readonly host: PermitHost;
  readonly allowed = true as const;
  readonly probe: boolean;
  readonly generation: number;
  readonly startedAt: number;
  #verdict: Verdict | undefined;

  constructor(host: PermitHost, breaker: Breaker, method: string, url: string, headers: HeadersLike | undefined, probe: boolean, startedAt: number) {
    this.host = host;
    this.breaker = breaker;
    this.origin = breaker.origin;
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.probe = probe;
    this.generation = breaker.generation;
    this.startedAt = startedAt;
  }

  get timeout(): number | undefined {
    return this.breaker.options.timeout;
  }

  record(outcome: Outcome): Verdict {
    if (this.#verdict !== undefined) return this.#verdict;
    const returned: unknown = this.breaker.options.classify(outcome, this);
    const invalid = returned !== 'success' && returned !== 'failure' && returned !== 'ignore';
    // A broken classifier must not wedge a half-open slot: record 'ignore', then report it.
    const verdict: Verdict = invalid ? 'ignore' : (returned as Verdict);
    this.#verdict = verdict;
    this.breaker.record(verdict, outcome, this.probe, this.generation, this.startedAt);
    this.host.recorded(this, outcome, verdict);
    if (invalid) {
      throw new TypeError(`classify must return 'success', 'failure' or 'ignore', got ${show(returned)}`);
    }
    return verdict;
  }

  fallback(): Promise<FallbackResponse | undefined> {
    if (this.#verdict !== 'failure' || this.breaker.options.fallback.when !== 'open-or-failure') return noFallback;
    return this.host.fallbackFor(this, 'failure');
  }

  storeResponse(response: StorableResponse): void {
    if (this.breaker.options.fallback.cache !== undefined) this.host.store(this, response);
  }
}

/** A refused request. Its error is built only when asked for: an `Error` costs microseconds to create. */
export class RefusedPermit implements PermitBase, RejectedPermit {
  readonly origin: string;
  readonly method: string;
  readonly url: string;
  readonly headers: HeadersLike | undefined;
  readonly breaker: Breaker;
  protected readonly host: PermitHost;
  readonly allowed = false as const;
  #error: CircuitOpenError | undefined;

  constructor(host: PermitHost, breaker: Breaker, method: string, url: string, headers: HeadersLike | undefined) {
    this.host = host;
    this.breaker = breaker;
    this.origin = breaker.origin;
    this.method = method;
    this.url = url;
    this.headers = headers;
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

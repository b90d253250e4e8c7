import { BulkheadFullError } from '../errors.js';
import type { Breaker } from '../core/breaker.js';
import type { ResolvedBulkheadOptions, ResolvedRetryOptions } from '../core/options.js';
import type { AdmittedPermit } from '../core/permit.js';
import type { AllowedPermit, AttemptHooks, AttemptReport, BreakerBoxEvents, ExecuteRequest, FallbackResponse, Permit, RejectedPermit } from '../core/types.js';
import { Bulkhead } from './bulkhead.js';
import { RetryBudget } from './retry-budget.js';
import { backoff, isRetryable, retryAfterDelay, sleep } from './retry-delay.js';

/** What the pipeline needs from its box. */
export interface PipelineHost {
  /** Admit one attempt to `breaker`, the breaker of `url`'s origin. */
  admitOn(breaker: Breaker, url: string | URL, request: ExecuteRequest): Permit;
  now(): number;
  random(): number;
  retrying(event: BreakerBoxEvents['retry']): void;
  /** The fallback for a request the bulkhead turned away (cache, then value), if any. */
  bulkheadFallback(breaker: Breaker, method: string, url: string, request: ExecuteRequest): Promise<FallbackResponse | undefined>;
}

/** Per-origin policy state, created on first use and kept on the origin's breaker. */
export interface OriginPolicies {
  /** The box the origin belongs to: kept here so a request's continuation need not hold it too. */
  host: PipelineHost;
  retry: ResolvedRetryOptions | undefined;
  budget: RetryBudget | undefined;
  bulkhead: Bulkhead | undefined;
  /** Whether a GET is retried without an Idempotency-Key (`retry.methods` has it): most requests are GETs. */
  retriesGet: boolean;
  /** Requests inside the pipeline now: queued, sending, or waiting out a retry delay. */
  active: number;
}

/**
 * One request through the origin's policies, in this order:
 * 1. **bulkhead**: bounds everything in flight to the origin, retries and their delays
 *    included, so a slow host cannot soak up every socket and every caller;
 * 2. **retry** (with its budget): a failed attempt may be sent again, but each retry is a
 *    new attempt that passes the breaker, so
 * 3. **the breaker** sees every attempt (each failure counts, and an open breaker ends the
 *    retries at once: never a sleep into a refusal), and
 * 4. **the attempt** runs under its own timeouts (the adapter's `send`).
 */
export function execute<R>(host: PipelineHost, breaker: Breaker, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
  const { retry, bulkhead } = breaker.options;
  if (retry === undefined && bulkhead === undefined) return once(host, breaker, url, request, hooks, undefined);
  const policies = breaker.policies ?? policiesOf(host, breaker, retry, bulkhead);
  // Counted from the queue to the last attempt: the registry must not forget this breaker
  // (its bulkhead, its budget, its state) while a request is anywhere in its pipeline.
  policies.active++;
  const slots = policies.bulkhead;
  if (slots !== undefined && !slots.tryAcquire()) return queued(host, breaker, policies, slots, url, request, hooks);
  return holding(host, breaker, policies, url, request, hooks);
}

/** Wait in the bulkhead's queue, then run, or be turned away. */
async function queued<R>(host: PipelineHost, breaker: Breaker, policies: OriginPolicies, slots: Bulkhead, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
  let waited: Awaited<ReturnType<Bulkhead['wait']>>;
  try {
    waited = await slots.wait(request.signal);
  } catch (error) {
    policies.active--;
    throw error;
  }
  if (waited === 'acquired') return holding(host, breaker, policies, url, request, hooks);
  policies.active--;
  return turnedAway(host, breaker, slots, waited === 'timeout', url, request, hooks);
}

/** Run the request holding its slot (if the origin has a bulkhead); every path out calls {@link leave} once. */
function holding<R>(host: PipelineHost, breaker: Breaker, policies: OriginPolicies, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
  try {
    return policies.retry === undefined ? once(host, breaker, url, request, hooks, policies) : firstAttempt(host, breaker, policies, policies.retry, url, request, hooks);
  } catch (error) {
    leave(policies);
    throw error;
  }
}

/** The request is out of the origin's pipeline: its slot (if any) goes back. */
function leave(policies: OriginPolicies | undefined): void {
  if (policies === undefined) return;
  policies.active--;
  const slots = policies.bulkhead;
  if (slots !== undefined) slots.release();
}

/**
 * One attempt, no retry: the closed path, with no async frame and no promise of its own
 * beyond the attempt's (the slot goes back in the same continuation).
 */
function once<R>(host: PipelineHost, breaker: Breaker, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>, policies: OriginPolicies | undefined): Promise<R> {
  const permit = host.admitOn(breaker, url, request);
  if (!permit.allowed) {
    leave(policies);
    return refused(permit, hooks);
  }
  return hooks.send(permit, 1, true).then(
    (report) => {
      leave(policies);
      return permit.verdict === 'failure' ? settle(permit, report, hooks) : unwrap(report);
    },
    (error: unknown) => {
      leave(policies);
      throw error;
    },
  );
}

/**
 * The first attempt like {@link once} (most succeed); the retry loop only after a failure.
 * Its continuation captures no more than it must (the box, breaker, method, href and options
 * are on the permit and the policies): a smaller closure context per request.
 */
function firstAttempt<R>(host: PipelineHost, breaker: Breaker, policies: OriginPolicies, retry: ResolvedRetryOptions, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
  const final = retry.attempts === 0 || !retryable(policies, retry, request);
  policies.budget?.deposit();
  const permit = host.admitOn(breaker, url, request);
  if (!permit.allowed) {
    leave(policies);
    return refused(permit, hooks);
  }
  return hooks.send(permit, 1, final).then(
    (report) => {
      if (permit.verdict !== 'failure') {
        leave(policies);
        return unwrap(report);
      }
      if (final) {
        leave(policies);
        return settle(permit, report, hooks);
      }
      // The box's permits carry their breaker, upper-cased method and href: not captured again.
      const admitted = permit as AdmittedPermit;
      return retryAfterFailure(policies.host, admitted.breaker, policies, policies.retry!, admitted.method, admitted.url, request, hooks, permit, report);
    },
    (error: unknown) => {
      leave(policies);
      throw error;
    },
  );
}

/** Whether the request may be sent again at all ({@link isRetryable}); a GET, most requests, skips the method lookup. */
function retryable(policies: OriginPolicies, retry: ResolvedRetryOptions, request: ExecuteRequest): boolean {
  const raw = request.method;
  if ((raw === undefined || raw === 'GET') && policies.retriesGet) return request.replayable !== false;
  const method = raw === undefined ? 'GET' : raw.toUpperCase();
  return isRetryable(method, request.headers, request.replayable !== false, retry);
}

/** The retry loop, from a failed attempt: each retry is a new attempt through the breaker. */
async function retryAfterFailure<R>(
  host: PipelineHost,
  breaker: Breaker,
  policies: OriginPolicies,
  retry: ResolvedRetryOptions,
  method: string,
  url: string | URL,
  request: ExecuteRequest,
  hooks: AttemptHooks<R>,
  failed: AllowedPermit,
  failedReport: AttemptReport<R>,
): Promise<R> {
  try {
    const href = typeof url === 'string' ? url : url.href;
    let permit: Permit = failed;
    let report = failedReport;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        if (!permit.allowed) return refused(permit, hooks);
        report = await hooks.send(permit, attempt, attempt > retry.attempts);
        if (permit.verdict !== 'failure' || attempt > retry.attempts) return settle(permit, report, hooks);
      }
      const current = permit as AllowedPermit;
      const now = host.now();
      const outcome = (current as AdmittedPermit).outcome;
      const asked = outcome?.kind === 'response' ? retryAfterDelay(outcome.status, 'response' in report ? report.headers : undefined, now, retry) : undefined;
      if (asked === Infinity) return settle(current, report, hooks);
      // A Retry-After paused the breaker for exactly as long: wake when the pause ends.
      const delay = asked ?? backoff(attempt, retry, () => host.random());
      if (!admitsAt(breaker, now + delay)) {
        // The breaker would refuse the retry: answer with the refusal now, not after a sleep.
        const next = host.admitOn(breaker, url, request);
        if (!next.allowed) {
          discard(report);
          return refused(next, hooks);
        }
        // It admits after all (probe slots held too long were forfeited): a retry at once, paid like any other.
        if (policies.budget !== undefined && !policies.budget.tryWithdraw(now)) {
          next.release();
          return settle(current, report, hooks);
        }
        discard(report);
        host.retrying({ origin: breaker.origin, method, url: href, attempt: attempt + 1, delay: 0 });
        permit = next;
        continue;
      }
      if (policies.budget !== undefined && !policies.budget.tryWithdraw(now)) return settle(current, report, hooks);
      discard(report);
      host.retrying({ origin: breaker.origin, method, url: href, attempt: attempt + 1, delay });
      await sleep(delay, request.signal);
      permit = host.admitOn(breaker, url, request);
    }
  } finally {
    leave(policies);
  }
}

function unwrap<R>(report: AttemptReport<R>): R {
  if ('error' in report) throw report.error;
  return report.response;
}

/** Whether the breaker will admit a request at `at`, as far as can be told now. */
function admitsAt(breaker: Breaker, at: number): boolean {
  switch (breaker.state) {
    case 'closed':
      return true;
    case 'open':
      return at >= breaker.openUntil;
    case 'half-open':
      // A free probe slot, or held slots forfeited by then (their round is openDuration old).
      return breaker.probesAdmitted < breaker.options.breaker.halfOpenProbes || at >= breaker.probeDeadline;
    default:
      return false;
  }
}

/** The final answer of an attempt: a failure gets its `open-or-failure` fallback, if any. */
async function settle<R>(permit: AllowedPermit, report: AttemptReport<R>, hooks: AttemptHooks<R>): Promise<R> {
  if (permit.verdict === 'failure') {
    const fallback = await permit.fallback();
    if (fallback !== undefined) {
      discard(report);
      return hooks.answer(fallback);
    }
  }
  if ('error' in report) throw report.error;
  return report.response;
}

async function refused<R>(permit: RejectedPermit, hooks: AttemptHooks<R>): Promise<R> {
  const fallback = await permit.fallback();
  if (fallback !== undefined) return hooks.answer(fallback);
  throw permit.error;
}

async function turnedAway<R>(host: PipelineHost, breaker: Breaker, slots: Bulkhead, timedOut: boolean, url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
  const method = (request.method ?? 'GET').toUpperCase();
  const href = typeof url === 'string' ? url : url.href;
  const fallback = await host.bulkheadFallback(breaker, method, href, request);
  if (fallback !== undefined) return hooks.answer(fallback);
  throw new BulkheadFullError({ origin: breaker.origin, method, url: href, maxConcurrent: slots.maxConcurrent, maxQueue: slots.maxQueue, queueTimeout: timedOut ? slots.queueTimeout : undefined });
}

function discard<R>(report: AttemptReport<R>): void {
  if ('response' in report) report.discard?.();
}

/** The origin's policy state, created on its first request. */
function policiesOf(host: PipelineHost, breaker: Breaker, retry: ResolvedRetryOptions | undefined, bulkhead: ResolvedBulkheadOptions | undefined): OriginPolicies {
  const policies: OriginPolicies = {
    host,
    retry,
    budget: retry?.budget === undefined ? undefined : new RetryBudget(retry.budget.ratio, retry.budget.minPerSecond, host),
    bulkhead: bulkhead === undefined ? undefined : new Bulkhead(bulkhead.maxConcurrent, bulkhead.maxQueue, bulkhead.queueTimeout),
    retriesGet: retry?.methods.has('GET') ?? false,
    active: 0,
  };
  breaker.policies = policies;
  return policies;
}

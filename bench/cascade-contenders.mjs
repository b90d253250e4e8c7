/**
 * The four ways the cascade service calls its dependencies. Each is
 * `(settings) => (url) => Promise<string>`: send a GET, read the whole body, and reject
 * on a network error, a timeout, a refusal or a non-2xx status. The breakers get the
 * same policy as far as each library allows: open after 5 consecutive failures (opossum
 * has only a failure rate: 50 % of at least 5 calls), half-open after `openMs`, one
 * breaker per dependency, and `timeoutMs` per attempt.
 */
import { createBreakerBox } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';
import { circuitBreaker, ConsecutiveBreaker, handleAll, timeout, TimeoutStrategy, wrap } from 'cockatiel';
import CircuitBreaker from 'opossum';

class StatusError extends Error {
  constructor(status) {
    super(`dependency answered ${status}`);
    this.status = status;
  }
}

/** Reads the body, then rejects a non-2xx answer, so every breaker counts it as a failure. */
async function readOk(response) {
  const text = await response.text();
  if (!response.ok) throw new StatusError(response.status);
  return text;
}

/** One policy per dependency URL, as a per-host breaker would have. */
function perUrl(make) {
  const policies = new Map();
  return (url) => {
    let policy = policies.get(url);
    if (policy === undefined) policies.set(url, (policy = make()));
    return policy;
  };
}

export const contenders = {
  /** No breaker: every request waits for the dependency, up to the timeout. */
  bare:
    ({ timeoutMs }) =>
    async (url) =>
      readOk(await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })),

  breakerbox: ({ timeoutMs, openMs, failures }) => {
    const box = createBreakerBox({ timeout: timeoutMs, breaker: { failureThreshold: failures, openDuration: openMs } });
    const resilientFetch = createFetch(box);
    return async (url) => readOk(await resilientFetch(url));
  },

  /** cockatiel's breaker around its own timeout (aggressive: the attempt's signal aborts the fetch). */
  cockatiel: ({ timeoutMs, openMs, failures }) => {
    const policyFor = perUrl(() =>
      wrap(circuitBreaker(handleAll, { halfOpenAfter: openMs, breaker: new ConsecutiveBreaker(failures) }), timeout(timeoutMs, TimeoutStrategy.Aggressive)),
    );
    return (url) => policyFor(url).execute(async ({ signal }) => readOk(await fetch(url, { signal })));
  },

  /**
   * opossum's timeout only rejects `fire()`; the fetch gets its own signal so it stops too
   * (a shared `abortController` option would abort every later call as well).
   */
  opossum: ({ timeoutMs, openMs, failures }) => {
    const breakerFor = perUrl(
      () =>
        new CircuitBreaker(async (url) => readOk(await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })), {
          timeout: timeoutMs,
          resetTimeout: openMs,
          errorThresholdPercentage: 50,
          volumeThreshold: failures,
        }),
    );
    return (url) => breakerFor(url).fire(url);
  },
};

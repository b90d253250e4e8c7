import type { Outcome } from '../../core/types.js';

type Record = (outcome: Outcome) => void;

/**
 * Decides, per attempt, whether an abort seen inside fetch was ky's own timeout or the
 * caller's abort. ky's timeout aborts the signal it gives fetch with no reason, so fetch
 * cannot tell them apart (research/adapters.md §2.3); only ky's `TimeoutError`, which
 * reaches the `beforeRetry` / `beforeError` hooks, says which it was.
 *
 * The fetch layer and the hooks may report in either order, so both sides are kept:
 * - fetch saw an abort first: its `record` waits, keyed by the attempt's `Request` (which
 *   ky puts on `TimeoutError.request`) and by the error it rethrew (which ky hands to
 *   the hooks unchanged when the caller aborted);
 * - a hook saw ky's timeout first: the `Request` is remembered, and fetch's report,
 *   when it comes, is recorded as a timeout at once.
 *
 * Weak collections only: an entry lives no longer than its request.
 */
export class AbortLedger {
  readonly #timedOut = new WeakSet<object>();
  readonly #byRequest = new WeakMap<object, Record>();
  readonly #byError = new WeakMap<object, Record>();

  /** The fetch side: `settleAbort` for createFetch's internal options. */
  readonly settle = (input: string | URL | Request, error: unknown, record: Record): void => {
    if (typeof input !== 'object' || input instanceof URL) {
      // Not a ky attempt (ky always hands fetch a Request): nothing will ever settle it.
      record({ kind: 'aborted' });
      return;
    }
    if (this.#timedOut.has(input)) {
      this.#timedOut.delete(input);
      record({ kind: 'timeout' });
      return;
    }
    this.#byRequest.set(input, record);
    if (isObject(error)) this.#byError.set(error, record);
  };

  /** The hook side: ky reports why an attempt ended. */
  attemptFailed(error: unknown): void {
    if (!isObject(error)) return;
    if ((error as { name?: unknown }).name === 'TimeoutError') {
      const request = (error as { request?: unknown }).request;
      if (!isObject(request)) return;
      const record = this.#byRequest.get(request);
      if (record === undefined) {
        this.#timedOut.add(request);
        return;
      }
      this.#byRequest.delete(request);
      record({ kind: 'timeout' });
      return;
    }
    // Anything else that carries a waiting abort is the caller's own abort. `cause` too,
    // in case a wrapper (ky's NetworkError, a user hook) put the abort inside its error.
    for (const candidate of [error, (error as { cause?: unknown }).cause]) {
      const record = isObject(candidate) ? this.#byError.get(candidate) : undefined;
      if (record === undefined) continue;
      this.#byError.delete(candidate as object);
      record({ kind: 'aborted' });
      return;
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

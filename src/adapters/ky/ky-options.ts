import type { BeforeErrorHook, BeforeRetryHook } from 'ky';
import type { BreakerBox } from '../../core/types.js';
import { assertBox, createFetch, type FetchFunction, type InternalFetchOptions } from '../fetch/create-fetch.js';
import { AbortLedger } from './abort-ledger.js';

/** Options of {@link kyOptions}. */
export interface KyOptionsOptions {
  /**
   * The fetch ky's attempts are finally sent with (ky's own `fetch` option is taken by
   * breakerbox, so pass a custom one here). Without it, `globalThis.fetch` is read at
   * each attempt, so MSW and other patches installed later still apply.
   * @default globalThis.fetch, read per attempt
   */
  fetch?: FetchFunction;
}

/** What {@link kyOptions} returns: spread it into `ky.create()` or `.extend()`. */
export interface KyBreakerOptions {
  /** Gates every attempt (retries included) and answers with fallback `Response`s. */
  fetch: FetchFunction;
  /** Tell the breaker which aborted attempts were ky's own timeouts. */
  hooks: {
    beforeRetry: BeforeRetryHook[];
    beforeError: BeforeErrorHook[];
  };
}

/**
 * ky options (`fetch` and `hooks`) that put every ky attempt, retries included, through
 * the box: one breaker per origin, fallbacks as real `Response`s (so `.json()` works),
 * and ky's own `timeout` counted as a timeout. A refused attempt rejects with
 * `CircuitOpenError`, which ky does not retry.
 *
 * Notes:
 * - A fallback with a non-2xx status becomes a ky `HTTPError`, like any response.
 * - A request that also goes through `patchGlobalFetch` on the same box is admitted and
 *   recorded once, here.
 * - To keep ky from sleeping (backoff or `Retry-After`) before a retry the open breaker
 *   will refuse anyway, also set `retry.shouldRetry` to {@link createShouldRetry}.
 * - Add these options first (`ky.create(kyOptions(box)).extend(...)`): a `beforeRetry`
 *   hook that runs earlier and returns a `Request`, a `Response` or `ky.stop` skips
 *   ours, and an attempt cut short by ky's timeout is then never recorded (a half-open
 *   probe waits for the breaker's probe deadline instead).
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { createBreakerBox } from 'breakerbox';
 * import { createShouldRetry, kyOptions } from 'breakerbox/ky';
 *
 * const box = createBreakerBox({ fallback: { cache: true } });
 * const api = ky.create({
 *   ...kyOptions(box),
 *   prefix: 'https://api.example.com',
 *   retry: { limit: 2, shouldRetry: createShouldRetry(box) },
 * });
 * const users = await api.get('users').json();
 * ```
 */
export function kyOptions(box: BreakerBox, options: KyOptionsOptions = {}): KyBreakerOptions {
  assertBox('kyOptions', box);
  if (typeof options !== 'object' || options === null) throw new TypeError(`kyOptions options must be an object, got ${String(options)}`);
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`kyOptions options.fetch must be a function, got ${typeof options.fetch}`);
  }
  const ledger = new AbortLedger();
  const internal: InternalFetchOptions = { settleAbort: ledger.settle };
  if (options.fetch !== undefined) internal.fetch = options.fetch;
  return {
    fetch: createFetch(box, internal),
    hooks: {
      // ky 2 hooks take one state object; `error` is the attempt's own error (research §2.1).
      beforeRetry: [({ error }) => ledger.attemptFailed(error)],
      beforeError: [
        ({ error }) => {
          ledger.attemptFailed(error);
          return error;
        },
      ],
    },
  };
}

import type { ShouldRetryState } from 'ky';
import type { BreakerBox } from '../../core/types.js';
import { assertBox } from '../fetch/create-fetch.js';

/** ky's `retry.shouldRetry` signature. */
export type KyShouldRetry = (state: ShouldRetryState) => boolean | undefined | Promise<boolean | undefined>;

/**
 * A ky `retry.shouldRetry` that stops ky's retries once the failed request's origin is no
 * longer `'closed'`. ky decides to retry, then sleeps (its backoff, or up to the
 * `Retry-After` a 429/503 carried), then tries again; when that failure has opened the
 * breaker, the retry would only be refused after the sleep. This answers `false` before
 * ky sleeps, so the caller gets the real error (or, on its next call, the fallback) now.
 *
 * While the breaker is closed it defers to `shouldRetry` when given, else returns
 * `undefined` (ky's default rules: `retry.statusCodes`, network errors, `retryOnTimeout`).
 *
 * @param box - The box given to {@link kyOptions}.
 * @param shouldRetry - Your own rule, asked only while the breaker is closed. Without it, ky's default rules apply.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { createBreakerBox } from 'breakerbox';
 * import { createShouldRetry, kyOptions } from 'breakerbox/ky';
 *
 * const box = createBreakerBox();
 * const api = ky.create({
 *   ...kyOptions(box),
 *   retry: { limit: 3, maxRetryAfter: 10_000, shouldRetry: createShouldRetry(box) },
 * });
 * ```
 */
export function createShouldRetry(box: BreakerBox, shouldRetry?: KyShouldRetry): KyShouldRetry {
  assertBox('createShouldRetry', box);
  if (shouldRetry !== undefined && typeof shouldRetry !== 'function') {
    throw new TypeError(`createShouldRetry shouldRetry must be a function, got ${typeof shouldRetry}`);
  }
  return (state) => {
    const url = urlOf(state.error);
    if (url !== undefined && box.state(url) !== 'closed') return false;
    return shouldRetry === undefined ? undefined : shouldRetry(state);
  };
}

/** The URL a ky error is about: `request.url` on HTTPError, NetworkError and TimeoutError; `origin` on CircuitOpenError. */
function urlOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const url = (error as { request?: { url?: unknown } }).request?.url ?? (error as { origin?: unknown }).origin;
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined;
}

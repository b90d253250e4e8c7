import type { Classifier, Outcome, Verdict } from '../core/types.js';

/**
 * Statuses that say the host is struggling: 408 Request Timeout, 429 Too Many Requests
 * and every 5xx. Other 4xx are the caller's mistakes and say nothing about the host.
 */
export const defaultFailureStatuses: readonly number[] = Object.freeze([408, 429, ...Array.from({ length: 100 }, (_, i) => 500 + i)]);

/**
 * Build a classifier that counts network errors, timeouts and the given statuses as
 * failures, ignores the caller's own abort, and counts everything else as success.
 *
 * @example
 * ```ts
 * import { createStatusClassifier } from 'breakerbox';
 *
 * const classify = createStatusClassifier([500, 502, 503, 504]);
 * classify({ kind: 'response', status: 503 }, request); // 'failure'
 * ```
 */
export function createStatusClassifier(failureStatuses: readonly number[]): Classifier {
  // A lookup table keeps the hot path to one indexed read instead of a Set hash.
  const isFailure = new Uint8Array(600);
  for (const status of failureStatuses) isFailure[status] = 1;
  return (outcome: Outcome): Verdict => {
    switch (outcome.kind) {
      case 'response':
        return isFailure[outcome.status] === 1 ? 'failure' : 'success';
      case 'aborted':
        return 'ignore';
      default:
        return 'failure';
    }
  };
}

import type { Outcome } from '../../core/types.js';
import { errorName } from '../../utils/error-name.js';

/**
 * What a rejected `fetch` means (research/adapters.md §3.1, verified on undici 6 and 7):
 * - our own timeout fired → `timeout`;
 * - the caller's signal fired → `aborted`, unless its reason is a `TimeoutError`
 *   (`AbortSignal.timeout()` in the caller's hands is a timeout all the same);
 * - anything else → `network`, with the OS code from `cause` when there is one. MSW's
 *   `HttpResponse.error()` gives no code at all, so codes are never required.
 */
export function classifyFetchError(error: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean): Outcome {
  if (timedOut && !callerSignal?.aborted) return { kind: 'timeout' };
  if (callerSignal?.aborted) return errorName(callerSignal.reason) === 'TimeoutError' ? { kind: 'timeout' } : { kind: 'aborted' };
  const name = errorName(error);
  if (name === 'TimeoutError') return { kind: 'timeout' };
  if (name === 'AbortError') return { kind: 'aborted' };
  return { kind: 'network', code: codeOf(error) };
}

/**
 * What a body that failed after the headers means. Once the body flows, the caller's signal
 * firing (whatever its reason, an `AbortSignal.timeout()` capping a stream included) is the
 * caller leaving, as in every adapter; only our own `bodyTimeout` is a timeout of the host.
 */
export function classifyBodyError(error: unknown, callerSignal: AbortSignal | undefined, timedOut: boolean): Outcome {
  if (callerSignal?.aborted) return { kind: 'aborted' };
  return classifyFetchError(error, callerSignal, timedOut);
}

function codeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

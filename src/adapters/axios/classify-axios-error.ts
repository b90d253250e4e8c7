import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import type { Outcome } from '../../core/types.js';
import { errorName } from '../../utils/error-name.js';

/**
 * What a rejected axios adapter call means (research/adapters.md §1.4, verified with the
 * http and fetch adapters and under MSW):
 * - a cancel is the caller's abort, unless the caller's signal gave up with a
 *   `TimeoutError` (`AbortSignal.timeout()`), which is a timeout all the same;
 * - `ECONNABORTED` (http adapter) and `ETIMEDOUT` (fetch adapter, `clarifyTimeoutError`)
 *   are axios' own timeout, which also carries breakerbox's per-attempt `timeout`;
 * - a response that `validateStatus` refused is judged by its status;
 * - anything else is a network error. MSW's `HttpResponse.error()` reaches the http
 *   adapter with no `code` and a misleading `name`, so neither is required.
 */
export function classifyAxiosError(error: unknown, config: InternalAxiosRequestConfig): Outcome {
  if (axios.isCancel(error)) {
    return errorName((config.signal as { reason?: unknown } | undefined)?.reason) === 'TimeoutError' ? { kind: 'timeout' } : { kind: 'aborted' };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return { kind: 'timeout' };
  const response = (error as { response?: { status?: unknown; headers?: unknown } } | null)?.response;
  if (response !== undefined && typeof response.status === 'number' && refusedByValidateStatus(response.status, config)) {
    return { kind: 'response', status: response.status, headers: response.headers as Record<string, string> };
  }
  /**
   * @note A response the caller would have accepted, yet an error: the body broke off
   * after the headers (the http adapter reports a reset mid-body as `ERR_BAD_RESPONSE`
   * with status 200). The host failed to deliver, so it is a network error.
   */
  return { kind: 'network', code: networkCode(error) };
}

/** The rejection axios' `settle()` makes; the only error whose status tells the whole story. */
function refusedByValidateStatus(status: number, config: InternalAxiosRequestConfig): boolean {
  const validate = config.validateStatus;
  return typeof validate === 'function' && status !== 0 && !validate(status);
}

/** The OS code when there is one: the fetch adapter says `ERR_NETWORK` and keeps it on `cause`. */
function networkCode(error: unknown): string | undefined {
  let found: string | undefined;
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      found = code;
      if (code !== 'ERR_NETWORK') return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

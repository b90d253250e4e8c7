import { delay, HttpResponse } from 'msw';
import { assertStatus, show } from '../../core/validate.js';

/**
 * One kind of simulated outage, as the client sees it:
 * - `status`: the server answers with this status (and `Retry-After` when given);
 * - `network`: the connection fails with no response (`HttpResponse.error()`, a
 *   `TypeError: fetch failed` in fetch, an `ERR_NETWORK`-like error in axios);
 * - `hang`: the server never answers, so only the client's timeout or abort ends it.
 *
 * @example
 * ```ts
 * import { outage, type Failure } from 'breakerbox/msw';
 *
 * const rateLimited: Failure = { kind: 'status', status: 429, retryAfter: 30 };
 * server.use(outage.failTimes(2, 'https://api.example.com/*', rateLimited));
 * ```
 */
export type Failure =
  | {
      kind: 'status';
      /** The HTTP status to answer with, 200-599. */
      status: number;
      /** `Retry-After`: seconds as a number, or any raw header value as a string (an HTTP-date, or a malformed one to test parsing). @default undefined (no header) */
      retryAfter?: number | string | undefined;
      /** Extra response headers. @default {} */
      headers?: Record<string, string> | undefined;
      /** The response body. @default `'simulated outage: <status>'` */
      body?: string | undefined;
    }
  | { kind: 'network' }
  | { kind: 'hang' };

/** Check a failure descriptor up front, so a typo fails where the handler is built, not inside a request. */
export function validateFailure(path: string, failure: unknown): asserts failure is Failure {
  if (typeof failure !== 'object' || failure === null) {
    throw new TypeError(`${path} must be an object like { kind: 'network' }, got ${show(failure)}`);
  }
  const { kind } = failure as { kind?: unknown };
  if (kind === 'network' || kind === 'hang') return;
  if (kind !== 'status') throw new TypeError(`${path}.kind must be one of 'status', 'network', 'hang', got ${show(kind)}`);
  const { status, retryAfter, headers, body } = failure as Record<string, unknown>;
  assertStatus(`${path}.status`, status);
  if (retryAfter !== undefined) {
    if (typeof retryAfter === 'number') {
      if (!Number.isInteger(retryAfter) || retryAfter < 0) throw new RangeError(`${path}.retryAfter must be an integer number of seconds >= 0 (or a raw header string), got ${retryAfter}`);
    } else if (typeof retryAfter !== 'string') {
      throw new TypeError(`${path}.retryAfter must be a number of seconds or a string, got ${show(retryAfter)}`);
    }
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) throw new TypeError(`${path}.headers must be an object of strings, got ${show(headers)}`);
  if (body !== undefined && typeof body !== 'string') throw new TypeError(`${path}.body must be a string, got ${show(body)}`);
}

/** What the handler resolves with for one failing request. */
export async function simulate(failure: Failure, request: Request): Promise<Response> {
  if (failure.kind === 'network') return HttpResponse.error();
  if (failure.kind === 'hang') {
    // `delay('infinite')` unrefs its timer, so a hung handler never keeps the test
    // process alive; the abort race lets the handler finish once the client gives up.
    await Promise.race([delay('infinite'), whenAborted(request.signal)]);
    return HttpResponse.error();
  }
  const headers = new Headers(failure.headers);
  if (failure.retryAfter !== undefined) headers.set('retry-after', String(failure.retryAfter));
  return new HttpResponse(failure.body ?? `simulated outage: ${failure.status}`, { status: failure.status, headers });
}

function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

import type { AllowedPermit, AttemptReport, BreakerBox, HeadersLike, Outcome } from '../../core/types.js';
import { isPlainUrl, schemeLength } from '../../registry/origin-key.js';
import { ADMITTED } from '../../utils/admitted-marker.js';
import { AttemptSignal } from '../../core/attempt-signal.js';
import { classifyBodyError, classifyFetchError } from './classify-fetch-error.js';
import { toResponse } from './to-response.js';
import { watchBody } from './watch-body.js';

/** The `fetch` signature, as the caller sees it. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link createFetch}. */
export interface CreateFetchOptions {
  /**
   * The fetch to send requests with. Without it, `globalThis.fetch` is read at each
   * call, so MSW, APM agents and other patches installed later still apply.
   * @default globalThis.fetch, read per call
   */
  fetch?: FetchFunction;
}

type MarkedInit = RequestInit & { [ADMITTED]?: BreakerBox };

/**
 * Not public (not exported from `breakerbox/fetch`): what a client layer built on this
 * fetch may add. ky's own timeout aborts the signal it hands to fetch with no reason, so
 * inside fetch it looks exactly like the caller's abort (research/adapters.md §2.3); only
 * ky's hooks learn which it was, after the attempt has rejected.
 * @internal
 */
export interface InternalFetchOptions extends CreateFetchOptions {
  /**
   * Called instead of recording `{ kind: 'aborted' }` when the caller's signal ends an
   * attempt. It must call `record` once, at once or later, with `aborted` or `timeout`;
   * until then a half-open probe keeps its slot (up to the breaker's probe deadline).
   */
  settleAbort?: (input: string | URL | Request, error: unknown, record: (outcome: Outcome) => void) => void;
}

/**
 * A `fetch` that sends every request through the box: one breaker per origin, the
 * box's `timeout` (headers) and `bodyTimeout` (pauses in the body), and fallbacks (a cached or default `Response`) when an
 * origin's breaker is open. Same signature as `fetch`.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 * import { createFetch } from 'breakerbox/fetch';
 *
 * const box = createBreakerBox({ fallback: { cache: true } });
 * const resilientFetch = createFetch(box);
 * const users = await (await resilientFetch('https://api.example.com/users')).json();
 * ```
 */
export function createFetch(box: BreakerBox, options: CreateFetchOptions = {}): FetchFunction {
  assertBox('createFetch', box);
  if (typeof options !== 'object' || options === null) throw new TypeError(`createFetch options must be an object, got ${String(options)}`);
  const explicit = options.fetch;
  const settleAbort = (options as InternalFetchOptions).settleAbort;
  if (explicit !== undefined && typeof explicit !== 'function') {
    throw new TypeError(`createFetch options.fetch must be a function, got ${typeof explicit}`);
  }

  return async function breakerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const send: FetchFunction = explicit ?? globalThis.fetch;
    if (send === breakerFetch) {
      // `globalThis.fetch = createFetch(box)`: each call would call itself until the stack overflows.
      throw new TypeError('Failed to fetch: this createFetch() has no options.fetch, so it sends with globalThis.fetch, which is itself. Please use patchGlobalFetch(box), or pass the original: createFetch(box, { fetch: originalFetch }).');
    }
    // A breakerbox layer of this box above us already admitted this request.
    if ((init as MarkedInit | undefined)?.[ADMITTED] === box) return send(input, init);
    const request = isRequest(input) ? input : undefined;
    // Parse first: an invalid URL throws fetch's own TypeError before any breaker is touched.
    const url = request ? request.url : absoluteUrl(input as string | URL);
    if (schemeLength(url) === 0) return send(input, init);

    // fetch turns any method into a string; so do we, rather than fail where fetch would not.
    const rawMethod: unknown = init?.method ?? request?.method ?? 'GET';
    const method = typeof rawMethod === 'string' ? rawMethod : String(rawMethod);
    const headers = (init?.headers ?? request?.headers) as HeadersLike | undefined;
    const callerSignal = init?.signal ?? request?.signal ?? undefined;
    const requestBody = watchRequestBody(init);
    // A stream in init is read once: it cannot be sent again. A Request's own body can, from a clone.
    const replayable = requestBody === undefined;
    const cloneable = request !== undefined && init?.body == null && request.body !== null;

    const sendAttempt = async (permit: AllowedPermit, _attempt: number, final: boolean): Promise<AttemptReport<Response>> => {
      const attempt = new AttemptSignal(callerSignal, permit.timeout, permit.bodyTimeout);
      const downstream: MarkedInit = { ...init, [ADMITTED]: box };
      if (attempt.signal !== callerSignal) downstream.signal = attempt.signal ?? null;
      if (requestBody !== undefined) downstream.body = requestBody.body;
      let response: Response;
      try {
        // While a retry may follow, the Request's body is sent from a clone, so the original stays unread.
        response = await send(cloneable && !final ? request.clone() : input, downstream);
      } catch (error) {
        attempt.end();
        if (requestBody?.failed === true) {
          // The caller's own request body failed (a file that is not there): not the host's fault.
          permit.release();
          return { error };
        }
        const outcome = classifyFetchError(error, callerSignal, attempt.timedOut !== undefined);
        if (outcome.kind === 'aborted' && settleAbort !== undefined) settleAbort(input, error, (settled) => void permit.record(settled));
        else permit.record(outcome);
        return { error };
      }
      attempt.headersArrived();
      // Each getter of a fetch Response runs a brand check: read status and headers once.
      const { status, headers: responseHeaders } = response;
      const verdict = permit.record({ kind: 'response', status, headers: responseHeaders });
      if (response.body === null) {
        attempt.end();
        if (verdict === 'success') permit.storeResponse({ status, statusText: response.statusText, headers: responseHeaders, body: null });
        return { response, headers: responseHeaders };
      }
      const succeeded = verdict === 'success';
      const collector = succeeded ? permit.cacheCollector({ status, statusText: response.statusText, headers: responseHeaders }) : undefined;
      // A failure already counted needs no body accounting, only the timers' end.
      const watched = watchBody(response, succeeded ? permit : undefined, attempt, collector, (error) => classifyBodyError(error, callerSignal, attempt.timedOut === 'body'));
      return {
        response: watched,
        headers: responseHeaders,
        // A failed response that is retried or replaced by a fallback: release its connection.
        discard: () => void watched.body?.cancel().catch(() => {}),
      };
    };

    return box.execute(url, { method, headers, cache: init?.cache ?? request?.cache, signal: callerSignal, replayable }, { send: sendAttempt, answer: (fallback) => toResponse(fallback, url) });
  };
}

/**
 * A request body stream, watched so that its own failure (the caller's file or generator
 * broke) is told apart from the host failing: fetch reports both as `TypeError: fetch failed`.
 */
function watchRequestBody(init: RequestInit | undefined): { body: ReadableStream<Uint8Array>; failed: boolean } | undefined {
  const body = init?.body;
  if (typeof ReadableStream === 'undefined' || !(body instanceof ReadableStream)) return undefined;
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const watched = {
    failed: false,
    body: new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            watched.failed = true;
            throw error;
          }
          if (result.done) controller.close();
          else controller.enqueue(result.value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    ),
  };
  return watched;
}

function isRequest(input: unknown): input is Request {
  // Duck-typed as well, for Request classes from another realm or a polyfill.
  return input instanceof Request || (typeof input === 'object' && input !== null && !(input instanceof URL) && typeof (input as Request).url === 'string' && typeof (input as Request).method === 'string');
}

/** The absolute URL, resolved like fetch does (against the page in a browser); throws fetch's TypeError if invalid. */
function absoluteUrl(input: string | URL): string {
  if (typeof input === 'string' && isPlainUrl(input)) return input;
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(String(input), base).href;
  } catch (error) {
    throw new TypeError(`Failed to parse URL from ${String(input)}`, { cause: error });
  }
}

/** Adapters take a box as their first argument; say so clearly when something else arrives. */
export function assertBox(caller: string, box: unknown): asserts box is BreakerBox {
  if (typeof box !== 'object' || box === null || typeof (box as BreakerBox).admit !== 'function') {
    throw new TypeError(`${caller} expects a box from createBreakerBox() as its first argument, got ${box === null ? 'null' : typeof box}`);
  }
}

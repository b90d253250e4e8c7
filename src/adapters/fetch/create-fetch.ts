import type { BreakerBox, HeadersLike, Outcome } from '../../core/types.js';
import { fastOrigin, schemeLength } from '../../registry/origin-key.js';
import { ADMITTED } from '../../utils/admitted-marker.js';
import { readLimited } from '../../utils/read-limited.js';
import { classifyFetchError } from './classify-fetch-error.js';
import { toResponse } from './to-response.js';

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
 * box's per-attempt `timeout`, and fallbacks (a cached or default `Response`) when an
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
    // A breakerbox layer of this box above us already admitted this request.
    if ((init as MarkedInit | undefined)?.[ADMITTED] === box) return send(input, init);
    const request = isRequest(input) ? input : undefined;
    // Parse first: an invalid URL throws fetch's own TypeError before any breaker is touched.
    const url = request ? request.url : absoluteUrl(input as string | URL);
    if (schemeLength(url) === 0) return send(input, init);

    const method = init?.method ?? request?.method ?? 'GET';
    const headers = (init?.headers ?? request?.headers) as HeadersLike | undefined;
    const permit = box.admit(url, { method, headers });
    if (!permit.allowed) {
      const fallback = await permit.fallback();
      if (fallback !== undefined) return toResponse(fallback, url);
      throw permit.error;
    }

    const callerSignal = init?.signal ?? request?.signal ?? undefined;
    const timeoutSignal = permit.timeout === undefined ? undefined : AbortSignal.timeout(permit.timeout);
    const downstream: MarkedInit = { ...init, [ADMITTED]: box };
    if (timeoutSignal !== undefined) downstream.signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;

    let response: Response;
    try {
      response = await send(input, downstream);
    } catch (error) {
      const outcome = classifyFetchError(error, callerSignal, timeoutSignal);
      if (outcome.kind === 'aborted' && settleAbort !== undefined) settleAbort(input, error, (settled) => void permit.record(settled));
      else permit.record(outcome);
      const fallback = outcome.kind === 'aborted' ? undefined : await permit.fallback();
      if (fallback !== undefined) return toResponse(fallback, url);
      throw error;
    }

    // Each getter of a fetch Response runs a brand check: read status and headers once.
    const { status, headers: responseHeaders } = response;
    const verdict = permit.record({ kind: 'response', status, headers: responseHeaders });
    if (verdict === 'failure') {
      const fallback = await permit.fallback();
      if (fallback !== undefined) {
        // Release the failed response's connection: its body will never be read.
        void response.body?.cancel().catch(() => {});
        return toResponse(fallback, url);
      }
    } else if (verdict === 'success') {
      const live = response;
      permit.storeResponse({
        status,
        statusText: live.statusText,
        headers: responseHeaders,
        // Cloned only when the box decides to keep it, and before the caller can read the original.
        body: live.body === null ? null : (maxBytes) => readLimited(live.clone().body!, maxBytes),
      });
    }
    return response;
  };
}

function isRequest(input: unknown): input is Request {
  // Duck-typed as well, for Request classes from another realm or a polyfill.
  return input instanceof Request || (typeof input === 'object' && input !== null && !(input instanceof URL) && typeof (input as Request).url === 'string' && typeof (input as Request).method === 'string');
}

/** The absolute URL, resolved like fetch does (against the page in a browser); throws fetch's TypeError if invalid. */
function absoluteUrl(input: string | URL): string {
  if (typeof input === 'string' && fastOrigin(input) !== undefined) return input;
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

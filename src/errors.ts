import type { CircuitState } from './core/types.js';

const breakerBoxErrorBrand = Symbol.for('breakerbox.BreakerBoxError');
const circuitOpenErrorBrand = Symbol.for('breakerbox.CircuitOpenError');
const bulkheadFullErrorBrand = Symbol.for('breakerbox.BulkheadFullError');

/**
 * Base class of every error breakerbox creates.
 *
 * @example
 * ```ts
 * import { BreakerBoxError } from 'breakerbox';
 *
 * try { await resilientFetch(url); } catch (error) {
 *   if (error instanceof BreakerBoxError) console.log(error.code);
 * }
 * ```
 */
export class BreakerBoxError extends Error {
  declare name: string;
  /** A stable, machine-readable code, e.g. `'ECIRCUITOPEN'`. */
  declare readonly code: string;

  /**
   * @param message The message; `undefined` when a subclass builds it on demand (a
   *   `message` getter on its prototype, see {@link CircuitOpenError}).
   */
  constructor(message: string | undefined, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Where a {@link CircuitOpenError} comes from: what was refused, and until when. */
export interface CircuitOpenErrorDetails {
  /** The origin whose breaker refused the request, e.g. `'https://api.example.com'`. */
  origin: string;
  /** The breaker's state at the time: `'open'`, `'half-open'` (no probe slot left) or `'isolated'`. */
  state: Exclude<CircuitState, 'closed'>;
  /** Milliseconds until the breaker admits a probe again; `undefined` while isolated. */
  retryAfter: number | undefined;
  /** The request's method, upper case. */
  method: string;
  /** The request's URL. */
  url: string;
}

/**
 * Thrown (or rejected) when a request is refused because its origin's breaker is
 * open and no fallback answers it.
 *
 * Built for floods (every request to a down host may get one) at under 1 µs: its
 * `stack` holds the name and the message (method, URL, origin, state, next probe) but
 * no call frames, since a refusal is decided by the breaker's state, not by the code
 * path (capturing frames cost about 8 µs per refusal on a 2-vCPU server); and its
 * `message` is written from the fields when first read, not at every refusal. Assigning
 * `message` works as on any error.
 *
 * @example
 * ```ts
 * import { isCircuitOpenError } from 'breakerbox';
 *
 * try { await resilientFetch('https://api.example.com/users'); } catch (error) {
 *   if (isCircuitOpenError(error)) console.log(`${error.origin} is down, retry in ${error.retryAfter} ms`);
 * }
 * ```
 */
export class CircuitOpenError extends BreakerBoxError {
  declare readonly code: 'ECIRCUITOPEN';
  /** The origin whose breaker refused the request. */
  declare readonly origin: string;
  /** The breaker's state when it refused. */
  declare readonly state: Exclude<CircuitState, 'closed'>;
  /** Milliseconds until the breaker admits a probe again; `undefined` while isolated. */
  declare readonly retryAfter: number | undefined;
  /** The refused request's method. */
  declare readonly method: string;
  /** The refused request's URL. */
  declare readonly url: string;

  constructor(details: CircuitOpenErrorDetails) {
    const limit = suspendStackTrace();
    try {
      super(undefined, 'ECIRCUITOPEN');
    } finally {
      restoreStackTrace(limit);
    }
    this.origin = details.origin;
    this.state = details.state;
    this.retryAfter = details.retryAfter;
    this.method = details.method;
    this.url = details.url;
    if (limit !== undefined && stackVanishes) keepStackHeader(this);
  }
}

/** What a {@link BulkheadFullError} is about: the refused request and the limits it met. */
export interface BulkheadFullErrorDetails {
  /** The origin whose bulkhead refused the request, e.g. `'https://api.example.com'`. */
  origin: string;
  /** The request's method, upper case. */
  method: string;
  /** The request's URL. */
  url: string;
  /** The bulkhead's `maxConcurrent`: requests in flight to the origin when it refused. */
  maxConcurrent: number;
  /** The bulkhead's `maxQueue`: requests that were waiting for a slot. */
  maxQueue: number;
  /** Set when the request waited in the queue and gave up: the bulkhead's `queueTimeout` (ms). */
  queueTimeout?: number | undefined;
}

/**
 * Thrown (or rejected) when an origin's bulkhead has no slot and no room in its queue
 * for a request (or the request waited `queueTimeout` ms in the queue), and no
 * fallback answers it. Nothing was sent, and it is not a failure of the origin.
 * Like {@link CircuitOpenError}, its `stack` holds the message but no call frames.
 *
 * @example
 * ```ts
 * import { isBulkheadFullError } from 'breakerbox';
 *
 * try { await resilientFetch('https://api.example.com/search'); } catch (error) {
 *   if (isBulkheadFullError(error)) console.log(`too many calls to ${error.origin} at once`);
 * }
 * ```
 */
export class BulkheadFullError extends BreakerBoxError {
  declare readonly code: 'EBULKHEADFULL';
  /** The origin whose bulkhead refused the request. */
  declare readonly origin: string;
  /** The refused request's method. */
  declare readonly method: string;
  /** The refused request's URL. */
  declare readonly url: string;
  /** The bulkhead's `maxConcurrent`. */
  declare readonly maxConcurrent: number;
  /** The bulkhead's `maxQueue`. */
  declare readonly maxQueue: number;
  /** The bulkhead's `queueTimeout` when the request gave up waiting in the queue; otherwise `undefined`. */
  declare readonly queueTimeout: number | undefined;

  constructor(details: BulkheadFullErrorDetails) {
    const limit = suspendStackTrace();
    try {
      super(undefined, 'EBULKHEADFULL');
    } finally {
      restoreStackTrace(limit);
    }
    this.origin = details.origin;
    this.method = details.method;
    this.url = details.url;
    this.maxConcurrent = details.maxConcurrent;
    this.maxQueue = details.maxQueue;
    this.queueTimeout = details.queueTimeout;
    if (limit !== undefined && stackVanishes) keepStackHeader(this);
  }
}

// `name` and the brands live on the prototypes: an own property per instance costs a
// define on every refusal, and refusals come in floods while a host is down. The brands
// are still found by `error[brand]`, and survive duplicate copies since they are Symbol.for.
for (const [type, name, brand] of [
  [BreakerBoxError, 'BreakerBoxError', breakerBoxErrorBrand],
  [CircuitOpenError, 'CircuitOpenError', circuitOpenErrorBrand],
  [BulkheadFullError, 'BulkheadFullError', bulkheadFullErrorBrand],
] as const) {
  Object.defineProperty(type.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(type.prototype, brand, { value: true });
}

// The refusals' messages are built when read: building one per refusal (a template of
// the URL and a number, flattened by the Error constructor) was half of the error's cost.
for (const [type, describe] of [
  [CircuitOpenError, describeRefusal],
  [BulkheadFullError, describeFullBulkhead],
] as const) {
  Object.defineProperty(type.prototype, 'message', {
    get(this: never) {
      return describe(this);
    },
    // Assigning a message (as some loggers and test helpers do) gives the error its own, as on any Error.
    set(this: Error, value: unknown) {
      Object.defineProperty(this, 'message', { value, writable: true, configurable: true });
    },
    configurable: true,
  });
}

type StackTraceLimited = { stackTraceLimit?: unknown };

/** Whether a zero limit leaves `stack` undefined (JavaScriptCore: Bun, Safari); V8 keeps the header. Learnt on first use. */
let stackVanishes = false;
let stackProbed = false;

/**
 * Sets `Error.stackTraceLimit` (V8, JavaScriptCore) to 0 for one construction, so the
 * error is built without walking the stack: the walk is most of an `Error`'s cost. Returns
 * the limit to restore, or `undefined` when nothing was changed: engines without the
 * property (SpiderMonkey builds every stack anyway), a limit already 0, or a frozen
 * `Error` (SES lockdown), where the assignment throws in strict code.
 */
function suspendStackTrace(): number | undefined {
  const limit = (Error as StackTraceLimited).stackTraceLimit;
  if (typeof limit !== 'number' || limit === 0) return undefined;
  try {
    (Error as StackTraceLimited).stackTraceLimit = 0;
  } catch {
    return undefined;
  }
  if (!stackProbed) {
    stackProbed = true;
    stackVanishes = new Error('probe').stack === undefined;
  }
  return limit;
}

function restoreStackTrace(limit: number | undefined): void {
  if (limit !== undefined) (Error as StackTraceLimited).stackTraceLimit = limit;
}

/** Where a zero limit left no `stack` at all, writes the header V8 would have: `stack` stays a string that names the error. */
function keepStackHeader(error: Error): void {
  Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, writable: true, configurable: true });
}

function describeRefusal({ method, url, origin, state, retryAfter }: CircuitOpenErrorDetails): string {
  const why =
    state === 'isolated'
      ? `the circuit for ${origin} is isolated until box.reset() is called`
      : `the circuit for ${origin} is ${state}${retryAfter === undefined ? '' : `, next probe in ${retryAfter} ms`}`;
  return `Failed to send ${method} ${url}: ${why}. Please retry later, or configure a fallback for this host.`;
}

function describeFullBulkhead({ method, url, origin, maxConcurrent, maxQueue, queueTimeout }: BulkheadFullErrorDetails): string {
  const why =
    queueTimeout === undefined
      ? `the bulkhead for ${origin} is full (${maxConcurrent} in flight, ${maxQueue} queued)`
      : `it waited ${queueTimeout} ms in the queue of the bulkhead for ${origin} (${maxConcurrent} in flight) without getting a slot`;
  return `Failed to send ${method} ${url}: ${why}. Please send fewer requests at once, raise bulkhead.maxConcurrent or maxQueue, or configure a fallback for this host.`;
}

/**
 * Whether `error` is a {@link CircuitOpenError}. Checks a `Symbol.for` brand, so it
 * also recognises errors from another copy of breakerbox (duplicate installs, realms).
 *
 * @example
 * ```ts
 * import { isCircuitOpenError } from 'breakerbox';
 *
 * if (isCircuitOpenError(error)) showOfflineBanner(error.origin);
 * ```
 */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[circuitOpenErrorBrand] === true;
}

/**
 * Whether `error` is a {@link BulkheadFullError}, from this or another copy of breakerbox.
 *
 * @example
 * ```ts
 * import { isBulkheadFullError } from 'breakerbox';
 *
 * if (isBulkheadFullError(error)) metrics.increment('shed', { origin: error.origin });
 * ```
 */
export function isBulkheadFullError(error: unknown): error is BulkheadFullError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[bulkheadFullErrorBrand] === true;
}

/**
 * Whether `error` is any error created by breakerbox (any copy of it).
 *
 * @example
 * ```ts
 * import { isBreakerBoxError } from 'breakerbox';
 *
 * if (isBreakerBoxError(error)) console.log(error.code);
 * ```
 */
export function isBreakerBoxError(error: unknown): error is BreakerBoxError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[breakerBoxErrorBrand] === true;
}

/**
 * The fields SDKs keep the error of a failed `fetch` in, read in this order:
 * `cause` (openai's `APIConnectionError`, octokit's `RequestError`, ofetch's `FetchError`,
 * any `new Error(msg, { cause })`), `detail` (stripe's `StripeConnectionError`), `raw`
 * (stripe's raw error object, whose `detail` holds it again), `error` (result objects
 * such as `{ data, error }`), `originalError` (graphql and RPC clients), `networkError`
 * (Apollo's and urql's errors), `reason` (a rejected `Promise.allSettled` entry) and
 * `errors` (`AggregateError`, and clients that batch).
 */
const wrapperFields = ['cause', 'detail', 'raw', 'error', 'originalError', 'networkError', 'reason'] as const;
/** Wrappers nest a few levels deep at most; past this, the chain is not an SDK's. */
const MAX_DEPTH = 8;
/** At most this many objects are looked into, however wide `errors` arrays are. */
const MAX_VISITS = 100;

/**
 * The breakerbox error behind `error`: `error` itself when it is one, or the first
 * one found (nearest first) inside the wrappers SDKs put around a failed `fetch`:
 * `cause` chains, `AggregateError` `errors`, and the fields `detail`, `raw`, `error`,
 * `originalError`, `networkError` and `reason`. Looks at most 8 levels deep, never
 * loops on cycles, and never throws (a getter that throws is skipped); `undefined`
 * when there is none. Recognises errors from any copy of breakerbox, like the `is*` guards.
 *
 * Some SDKs keep only the message: postgrest-js without `throwOnError()` turns a
 * rejected fetch into `{ error: { message, details } }`, with no error object left to find.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai';
 * import { findBreakerBoxError, isCircuitOpenError } from 'breakerbox';
 *
 * try { await openai.chat.completions.create(request); } catch (error) {
 *   // openai wraps it: APIConnectionError { cause: CircuitOpenError }
 *   const refusal = findBreakerBoxError(error);
 *   if (isCircuitOpenError(refusal)) return cachedAnswer(refusal.retryAfter);
 *   throw error;
 * }
 * ```
 */
export function findBreakerBoxError(error: unknown): BreakerBoxError | undefined {
  if (!isObject(error)) return undefined;
  if (read(error, breakerBoxErrorBrand) === true) return error as BreakerBoxError;
  // Breadth first, so the error nearest to the top wins when a chain holds several.
  const seen = new Set<object>([error]);
  let level: object[] = [error];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: object[] = [];
    for (const wrapper of level) {
      for (const inner of innerValues(wrapper)) {
        if (!isObject(inner) || seen.has(inner)) continue;
        if (read(inner, breakerBoxErrorBrand) === true) return inner as BreakerBoxError;
        if (seen.size >= MAX_VISITS) return undefined;
        seen.add(inner);
        next.push(inner);
      }
    }
    level = next;
  }
  return undefined;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** The values a wrapper may hold its inner error in. Reads that throw (getters, revoked proxies) count as absent. */
function innerValues(wrapper: object): unknown[] {
  const values: unknown[] = [];
  for (const field of wrapperFields) {
    const value = read(wrapper, field);
    if (value !== undefined) values.push(value);
  }
  const errors = read(wrapper, 'errors');
  try {
    if (Array.isArray(errors)) values.push(...errors.slice(0, MAX_VISITS));
  } catch {
    // A revoked proxy: nothing to look into.
  }
  return values;
}

function read(target: object, field: string | symbol): unknown {
  try {
    return (target as Record<string | symbol, unknown>)[field];
  } catch {
    return undefined;
  }
}

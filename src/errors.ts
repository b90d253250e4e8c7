import type { CircuitState } from './core/types.js';

const breakerBoxErrorBrand = Symbol.for('breakerbox.BreakerBoxError');
const circuitOpenErrorBrand = Symbol.for('breakerbox.CircuitOpenError');

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

  constructor(message: string, code: string, options?: ErrorOptions) {
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
 * Its `stack` holds the name and the message (method, URL, origin, state, next probe)
 * but no call frames: a refusal is decided by the breaker's state, not by the code
 * path, and refusals come in floods while a host is down. Capturing frames cost about
 * 8 µs per refusal on a 2-vCPU server, against under 1 µs without them.
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
      super(describeRefusal(details), 'ECIRCUITOPEN');
    } finally {
      restoreStackTrace(limit);
    }
    if (limit !== undefined) keepStackHeader(this);
    this.origin = details.origin;
    this.state = details.state;
    this.retryAfter = details.retryAfter;
    this.method = details.method;
    this.url = details.url;
  }
}

// `name` and the brands live on the prototypes: an own property per instance costs a
// define on every refusal, and refusals come in floods while a host is down. The brands
// are still found by `error[brand]`, and survive duplicate copies since they are Symbol.for.
for (const [type, name, brand] of [
  [BreakerBoxError, 'BreakerBoxError', breakerBoxErrorBrand],
  [CircuitOpenError, 'CircuitOpenError', circuitOpenErrorBrand],
] as const) {
  Object.defineProperty(type.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(type.prototype, brand, { value: true });
}

type StackTraceLimited = { stackTraceLimit?: unknown };

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
    return limit;
  } catch {
    return undefined;
  }
}

function restoreStackTrace(limit: number | undefined): void {
  if (limit !== undefined) (Error as StackTraceLimited).stackTraceLimit = limit;
}

/** Whether this engine leaves `stack` undefined when no frame is captured (JavaScriptCore: Bun, Safari); V8 keeps the header. */
let stackVanishes: boolean | undefined;

/** Where a zero limit leaves no `stack` at all, writes the header V8 would have: `stack` stays a string that names the error. */
function keepStackHeader(error: Error): void {
  // Read once, on the first error: reading `stack` makes V8 format it.
  stackVanishes ??= error.stack === undefined;
  if (stackVanishes) Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}`, writable: true, configurable: true });
}

function describeRefusal({ method, url, origin, state, retryAfter }: CircuitOpenErrorDetails): string {
  const why =
    state === 'isolated'
      ? `the circuit for ${origin} is isolated until box.reset() is called`
      : `the circuit for ${origin} is ${state}${retryAfter === undefined ? '' : `, next probe in ${retryAfter} ms`}`;
  return `Failed to send ${method} ${url}: ${why}. Please retry later, or configure a fallback for this host.`;
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

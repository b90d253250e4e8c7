import { http, type HttpHandler, type Path } from 'msw';
import { assertStatus, show } from '../../core/validate.js';
import { type Failure, simulate, validateFailure } from './failure.js';

/** Options shared by the outage handlers. */
export interface OutageOptions {
  /**
   * Fail only the first `times` matching requests, then pass every later one through
   * to the next handler (the host has recovered).
   * @default Infinity
   */
  times?: number;
}

/** Options of {@link Outage.status}. */
export interface StatusOutageOptions extends OutageOptions {
  /** `Retry-After`: seconds as a number, or a raw header value as a string. @default undefined (no header) */
  retryAfter?: number | string;
  /** Extra response headers. @default {} */
  headers?: Record<string, string>;
  /** The response body. @default `'simulated outage: <status>'` */
  body?: string;
}

/** Options of {@link Outage.flapping}. */
export interface FlappingOptions {
  /** How the failing requests of the pattern fail. @default { kind: 'network' } */
  failure?: Failure;
}

/**
 * Handler factories that simulate a failing host, in the style of msw's `http`
 * namespace. Each returns an msw `http.all` handler for `url` (an msw path: a URL with
 * `*` wildcards, or a RegExp; a bare origin such as `'https://api.example.com'` means
 * every path on it). A request the outage lets through falls through to the next
 * handler (the resolver returns nothing), so an outage composes with the test's own
 * handlers through `server.use()`, and `server.resetHandlers()` ends it.
 *
 * Counting is per handler: build a fresh handler in each test.
 *
 * @example
 * ```ts
 * import { outage } from 'breakerbox/msw';
 *
 * server.use(outage.status('https://api.example.com', 503, { retryAfter: 30 }));
 * server.use(outage.network('https://api.example.com/users', { times: 2 }));
 * server.use(outage.flapping('https://api.example.com', 'xx.'));
 * ```
 */
export interface Outage {
  /** Answer with `status` (and `Retry-After` when asked). */
  status(url: Path, status: number, options?: StatusOutageOptions): HttpHandler;
  /** Fail the connection with no response (`HttpResponse.error()`). */
  network(url: Path, options?: OutageOptions): HttpHandler;
  /**
   * Never answer (`delay('infinite')`, whose timer is unref'd), so only the client's
   * timeout or abort ends the request. The handler returns as soon as the request's
   * signal aborts.
   */
  hang(url: Path, options?: OutageOptions): HttpHandler;
  /** Fail the first `times` requests with `failure`, then pass through. */
  failTimes(times: number, url: Path, failure: Failure): HttpHandler;
  /**
   * Fail or pass by a repeating pattern: `'x'` fails the request (with `failure`,
   * a network error by default), `'.'` passes it through. `'xx.'` fails two of every
   * three requests, in that order.
   */
  flapping(url: Path, pattern: string, options?: FlappingOptions): HttpHandler;
}

/**
 * Simulated outages by kind, as msw handlers: see {@link Outage} for each one.
 *
 * @example
 * ```ts
 * import { outage } from 'breakerbox/msw';
 *
 * server.use(outage.failTimes(3, 'https://api.example.com', { kind: 'status', status: 503 }));
 * ```
 */
export const outage: Outage = {
  status(url, status, options = {}) {
    assertStatus('outage.status(url, status) status', status);
    checkOptions('outage.status', options);
    const { retryAfter, headers, body } = options;
    const failure: Failure = { kind: 'status', status, retryAfter, headers, body };
    validateFailure('outage.status options', failure);
    return failing('outage.status', url, failure, options.times);
  },
  network(url, options = {}) {
    checkOptions('outage.network', options);
    return failing('outage.network', url, { kind: 'network' }, options.times);
  },
  hang(url, options = {}) {
    checkOptions('outage.hang', options);
    return failing('outage.hang', url, { kind: 'hang' }, options.times);
  },
  failTimes(times, url, failure) {
    assertTimes('outage.failTimes(times) times', times);
    validateFailure('outage.failTimes(times, url, failure) failure', failure);
    return failing('outage.failTimes', url, failure, times);
  },
  flapping(url, pattern, options = {}) {
    if (typeof pattern !== 'string') throw new TypeError(`outage.flapping(url, pattern) pattern must be a string of 'x' (fail) and '.' (pass), got ${show(pattern)}`);
    if (!/^[x.]+$/.test(pattern)) throw new RangeError(`outage.flapping(url, pattern) pattern must be a non-empty string of 'x' (fail) and '.' (pass), got ${show(pattern)}`);
    if (typeof options !== 'object' || options === null) throw new TypeError(`outage.flapping options must be an object, got ${show(options)}`);
    const failure = options.failure ?? { kind: 'network' };
    validateFailure('outage.flapping options.failure', failure);
    const path = toPath('outage.flapping', url);
    let seen = 0;
    return http.all(path, ({ request }) => {
      const fails = pattern[seen++ % pattern.length] === 'x';
      return fails ? simulate(failure, request) : undefined;
    });
  },
};

function failing(caller: string, url: Path, failure: Failure, times = Infinity): HttpHandler {
  const path = toPath(caller, url);
  let failed = 0;
  return http.all(path, ({ request }) => {
    // Counted synchronously, so concurrent requests cannot all slip into the failing ones.
    if (failed >= times) return undefined;
    failed++;
    return simulate(failure, request);
  });
}

function checkOptions(caller: string, options: unknown): asserts options is OutageOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller} options must be an object, got ${show(options)}`);
  const { times } = options as OutageOptions;
  if (times !== undefined) assertTimes(`${caller} options.times`, times);
}

function assertTimes(path: string, times: unknown): asserts times is number {
  if (typeof times !== 'number' || !((Number.isInteger(times) && times >= 0) || times === Infinity)) {
    throw new RangeError(`${path} must be an integer >= 0 or Infinity, got ${show(times)}`);
  }
}

/** A bare origin means the whole host: msw would otherwise match its `/` path only. */
function toPath(caller: string, url: unknown): Path {
  if (url instanceof RegExp) return url;
  if (typeof url !== 'string' || url === '') throw new TypeError(`${caller}(url) url must be a URL string or a RegExp, got ${show(url)}`);
  return /^[a-z][a-z\d+.-]*:\/\/[^/?#]+$/i.test(url) ? `${url}/*` : url;
}

import type { CircuitOpenError } from '../errors.js';

/**
 * The state of one origin's breaker.
 * - `closed`: requests flow; failures are counted.
 * - `open`: requests are refused at once (fallback or {@link CircuitOpenError}).
 * - `half-open`: a few probe requests are let through to test the host.
 * - `isolated`: forced open by `box.isolate()` until `box.reset()`.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** A source of time in milliseconds. Inject one in tests to drive the breaker without sleeping. */
export interface Clock {
  /** The current time in milliseconds, like `Date.now()`. */
  now(): number;
}

/**
 * Anything headers can be read from: a fetch `Headers`, an `AxiosHeaders`, or a plain
 * object. Names are matched case-insensitively.
 */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>
  | Iterable<readonly [string, string]>;

/**
 * How one attempt ended, as an adapter reports it to `permit.record()`.
 * - `response`: the server answered (any status).
 * - `timeout`: the attempt ran out of time (breakerbox's `timeout` or the client's own).
 * - `network`: no response (refused, reset, DNS, TLS...); `code` is the OS or client code when known.
 * - `aborted`: the caller cancelled the request with its own signal.
 */
export type Outcome =
  | { kind: 'response'; status: number; headers?: HeadersLike | undefined }
  | { kind: 'timeout' }
  | { kind: 'network'; code?: string | undefined }
  | { kind: 'aborted' };

/** What an outcome means to the breaker: counted as a success, a failure, or not counted at all. */
export type Verdict = 'success' | 'failure' | 'ignore';

/** The request an outcome belongs to, as classifiers and fallbacks see it. */
export interface BreakerRequest {
  /** Upper-case method, e.g. `'GET'`. */
  method: string;
  /** The absolute URL. */
  url: string;
  /** The origin the breaker is keyed by, e.g. `'https://api.example.com'`. */
  origin: string;
}

/**
 * Decides what an outcome means. Return `'ignore'` for outcomes that say nothing about
 * the host's health (they also give a half-open probe permit back).
 */
export type Classifier = (outcome: Outcome, request: BreakerRequest) => Verdict;

/**
 * The failure-rate rule: open when the ratio of failures reaches `threshold`, over a
 * sliding time window (`window` ms) or over the origin's last `calls` calls (exactly one).
 */
export interface FailureRateOptions {
  /** Ratio of failed calls (0 < threshold <= 1) that opens the breaker, e.g. `0.5`. */
  threshold: number;
  /** Calls needed inside the window before the rate is judged. @default 10 */
  minimumCalls?: number;
  /** Length of the sliding window in ms; it is kept as 10 buckets. @default 60_000 (when `calls` is not given) */
  window?: number;
  /** Judge the ratio over the last this many calls instead of a time window. @default undefined */
  calls?: number;
}

/**
 * Retries of failed attempts, per origin. Every attempt passes the breaker; a refused
 * attempt ends the retries at once (no sleep) with the refusal.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 *
 * const box = createBreakerBox({ retry: { attempts: 2, delay: 200, budget: { ratio: 0.1 } } });
 * ```
 */
export interface RetryOptions {
  /** How many times a failed request is retried (so `attempts + 1` attempts at most). @default 2 */
  attempts?: number;
  /** Base delay in ms; retry n waits a random time in [0, min(maxDelay, delay × 2^(n-1))) (full jitter). @default 100 */
  delay?: number;
  /** Longest wait in ms before a retry; a Retry-After asking for longer ends the retries instead. @default 10_000 */
  maxDelay?: number;
  /** Methods retried (upper case). Any other method is retried only with an `Idempotency-Key` header. @default ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'] */
  methods?: readonly string[];
  /** Per origin: retries stay under `ratio` × requests of the last 10 s plus `minPerSecond` × 10; `false` for no budget. @default { ratio: 0.2, minPerSecond: 10 } */
  budget?: RetryBudgetOptions | false;
  /** Wait as long as a 429/503's `Retry-After` asks (up to `maxDelay`) before retrying it. @default true */
  respectRetryAfter?: boolean;
}

/** The retry budget of {@link RetryOptions}. */
export interface RetryBudgetOptions {
  /** Retries allowed per request of the last 10 s. @default 0.2 */
  ratio?: number;
  /** Retries per second always allowed, whatever the traffic. @default 10 */
  minPerSecond?: number;
}

/**
 * A per-origin cap on concurrent requests. A request beyond it waits in a queue (up to
 * `maxQueue`, at most `queueTimeout` ms), or is refused at once with `BulkheadFullError`
 * (or answered by the fallback with reason `'bulkhead'`). Not a failure of the origin.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 *
 * const box = createBreakerBox({ bulkhead: { maxConcurrent: 20, maxQueue: 50, queueTimeout: 1_000 } });
 * ```
 */
export interface BulkheadOptions {
  /** Requests in flight at once, per origin. */
  maxConcurrent: number;
  /** Requests that may wait for a slot. @default 0 */
  maxQueue?: number;
  /** Longest wait in the queue, in ms. @default undefined (until a slot frees or the caller aborts) */
  queueTimeout?: number;
}

/** The slow-call rule: open when the ratio of calls slower than `duration` reaches `rateThreshold`. */
export interface SlowCallOptions {
  /** A call that takes at least this many ms is slow. */
  duration: number;
  /** Ratio of slow calls (0 < rate <= 1) that opens the breaker. @default 1 */
  rateThreshold?: number;
  /** Calls needed inside the window before the rate is judged. @default 10 */
  minimumCalls?: number;
  /** Length of the sliding window in ms; it is kept as 10 buckets. @default 60_000 */
  window?: number;
}

/**
 * When a breaker opens and how it recovers. Every field is optional; host entries are
 * merged field by field over the box's defaults.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 *
 * const box = createBreakerBox({ breaker: { failureThreshold: 3, openDuration: 10_000 } });
 * ```
 */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker (`Infinity` turns the rule off). @default 5 */
  failureThreshold?: number;
  /** Open on a failure ratio over a time window; `false` turns it off for a host. @default undefined (off) */
  failureRate?: FailureRateOptions | false;
  /** Open on a slow-call ratio over a time window; `false` turns it off for a host. @default undefined (off) */
  slowCall?: SlowCallOptions | false;
  /** Ms the breaker stays open before the first half-open probe. @default 30_000 */
  openDuration?: number;
  /** Cap in ms for the open time, which doubles (with jitter) each time a probe fails. @default 300_000 */
  maxOpenDuration?: number;
  /** Probe requests admitted at once in half-open; all must succeed to close. @default 1 */
  halfOpenProbes?: number;
  /** A 429/503 failure carrying `Retry-After` opens the breaker for that long, clamped to `[openDuration, maxOpenDuration]`. @default true */
  respectRetryAfter?: boolean;
}

/** The cached fallback: the last good response to the same request. */
export interface CacheFallbackOptions {
  /** Oldest entry (ms since it was stored) that may still be served. @default Infinity */
  maxStale?: number;
  /**
   * Also cache responses to requests carrying credentials (`Authorization`, `Cookie`,
   * `Proxy-Authorization`, and every name in `credentialHeaders`) and responses marked
   * `Cache-Control: private` or setting a cookie. The key then includes a SHA-256 hash of
   * every credential, so a response is only ever served back to the same credentials.
   * @default false
   */
  private?: boolean;
  /**
   * More request headers that identify a user, besides `Authorization`, `Cookie` and
   * `Proxy-Authorization`, e.g. `['x-api-key']`. A request carrying one is treated as
   * credentialed. @default []
   */
  credentialHeaders?: readonly string[];
  /**
   * A partition added to every key (a session id, a tenant), for credentials the cache
   * cannot see, e.g. a cookie jar below the wrapper. Return `undefined` to store and serve
   * nothing for that request. @default undefined (no partition)
   */
  key?: (request: CacheKeyRequest) => string | undefined;
  /** Larger bodies are not cached (they pass through untouched). @default 1_048_576 */
  maxBodyBytes?: number;
  /**
   * Longest wait in ms for the answer of a `cacheStore` whose `get` returns a promise (a
   * shared store); past it the lookup is a miss, so a slow or unreachable store never holds
   * a refused request. @default 100
   */
  lookupTimeout?: number;
  /**
   * Total bytes the default in-memory store keeps, bodies and headers; the least recently
   * used go first. Box level only (there is one store). @default 33_554_432 (32 MiB)
   */
  maxBytes?: number;
}

/** The request `cache.key` is asked about. */
export interface CacheKeyRequest {
  /** Upper-case method. */
  method: string;
  /** The URL, without its fragment. */
  url: string;
  /** The request headers as they were when the call was made, names in lower case. */
  headers: Readonly<Record<string, string>>;
}

/** A response to answer with when the breaker refuses. `body` objects are sent as JSON. */
export interface FallbackValue {
  /** HTTP status, 200-599. @default 200 */
  status?: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** The body: a string, bytes, `null`, or any other value, which is serialised as JSON. */
  body?: unknown;
}

/** What a fallback function is told about the refused (or failed) request. */
export interface FallbackContext extends BreakerRequest {
  /** `'open'` when the breaker refused it; `'failure'` when the attempt itself failed (`when: 'open-or-failure'`); `'bulkhead'` when the bulkhead was full. */
  reason: 'open' | 'failure' | 'bulkhead';
  /** The breaker's state now. */
  state: CircuitState;
}

/**
 * What to answer with instead of an error. Order: the cache, then `value`, then
 * {@link CircuitOpenError}.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 *
 * const box = createBreakerBox({
 *   fallback: { cache: { maxStale: 60_000 }, value: { status: 200, body: { items: [] } } },
 * });
 * ```
 */
export interface FallbackOptions {
  /** Serve the last good GET/HEAD response to the same URL. @default false */
  cache?: boolean | CacheFallbackOptions;
  /** A default response, or a function that builds one (return `undefined` to decline). @default undefined */
  value?: FallbackValue | ((context: FallbackContext) => FallbackValue | undefined | Promise<FallbackValue | undefined>);
  /** `'open'`: only when the breaker refuses. `'open-or-failure'`: also when the attempt fails. @default 'open' */
  when?: 'open' | 'open-or-failure';
}

/** Options that can be set for the whole box and overridden per host. */
export interface HostOptions {
  /** Breaker rules. */
  breaker?: BreakerOptions;
  /** Fallbacks served when the breaker refuses. */
  fallback?: FallbackOptions;
  /**
   * Ms an attempt may wait for the response **headers**; one that runs out is aborted and
   * counts as `timeout`. It never cuts a body that has started: streams and server-sent
   * events run on (see `bodyTimeout`). An integer from 1 to 2147483647; `Infinity` turns
   * it off for a host. @default undefined (none)
   */
  timeout?: number;
  /**
   * The longest pause in ms between two chunks of a response body; a body that stalls
   * longer is aborted, the caller's read fails with a `TimeoutError`, and the attempt
   * counts as a `timeout` failure. Same range as `timeout`. @default undefined (none)
   */
  bodyTimeout?: number;
  /**
   * For SDKs that enforce their own timeout by aborting their signal (openai, stripe,
   * postgrest-js abort without a reason, so it looks like the caller cancelling): a
   * caller's abort that comes at least this many ms after the attempt started counts as
   * a `timeout` instead of being ignored. Set it a little below the SDK's timeout, since
   * the SDK's clock starts before the attempt's. @default undefined (every caller abort is ignored)
   */
  callerTimeout?: number;
  /** Response statuses that count as failures, replacing the default 408, 429 and 500-599. */
  failureStatuses?: readonly number[];
  /** Full control over classification; overrides `failureStatuses`. */
  classify?: Classifier;
  /** Retry failed attempts; `false` turns retries off for a host. @default undefined (off) */
  retry?: RetryOptions | false;
  /** Cap concurrent requests per origin; `false` turns it off for a host. @default undefined (off) */
  bulkhead?: BulkheadOptions | false;
  /**
   * A refused request with no fallback: `'throw'` rejects with `CircuitOpenError`;
   * `'respond'` resolves with a 503 (`x-breakerbox-fallback: refused`, `Retry-After`, and
   * the no-retry headers SDKs read), so an SDK's own retries stop at once. @default 'throw'
   */
  onRefusal?: 'throw' | 'respond';
}

/**
 * A store for cached fallback responses; the default is an in-memory LRU. Any method may
 * return a promise (a shared store such as `breakerbox/redis`); a store that fails or
 * rejects is treated as a miss, never as the request's error.
 */
export interface CacheStore {
  get(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Number of entries, when the store knows it cheaply. */
  readonly size?: number;
}

/** A response kept for fallback use: bytes, not a stream, so it can be replayed any number of times. */
export interface CachedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | null;
  /** Clock time when it was stored, in ms. */
  storedAt: number;
  /** Request header names from `Vary` (lower case) and the values they had. */
  vary: [string, string][];
}

/**
 * Options of {@link createBreakerBox}.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 *
 * const box = createBreakerBox({
 *   breaker: { failureThreshold: 5, openDuration: 30_000 },
 *   fallback: { cache: true },
 *   timeout: 10_000,
 *   hosts: { '*.internal.example.com': { timeout: 2_000 } },
 * });
 * ```
 */
export interface BreakerBoxOptions extends HostOptions {
  /** Per-host overrides, keyed by exact origin (`'https://api.example.com'`) or `'*.domain'` pattern. @default {} */
  hosts?: Record<string, HostOptions>;
  /** Most breakers kept at once; idle closed breakers are evicted first. @default 1000 */
  maxOrigins?: number;
  /** Time source. @default { now: Date.now } */
  clock?: Clock;
  /** Random source for open-time jitter, returning [0, 1). @default Math.random */
  random?: () => number;
  /** Where cached fallbacks are kept. @default an in-memory LRU of 1000 entries and `fallback.cache.maxBytes` bytes */
  cacheStore?: CacheStore;
}

/** What an adapter tells `admit()` about the request, so the breaker can key, cache and describe it. */
export interface AdmitRequest {
  /** The method. @default 'GET' */
  method?: string | undefined;
  /** The request headers (used for `Vary` and credential checks by the cache); read at once, never later. */
  headers?: HeadersLike | undefined;
  /** fetch's `RequestInit.cache` / `Request.cache`: `'no-store'` keeps the request out of the cached fallback. */
  cache?: string | undefined;
}

/** A fallback answer in neutral form; adapters turn it into their client's response type. */
export interface FallbackResponse {
  readonly status: number;
  readonly statusText: string;
  /** Header pairs, including `x-breakerbox-fallback` (and `age` for a cached one). Read only. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body bytes; shared between calls, so copy before changing them. */
  readonly body: Uint8Array | null;
  /** Where it came from: the cache, the `value` fallback, or `'refused'` (`onRefusal: 'respond'`). */
  readonly source: 'cache' | 'value' | 'refused';
}

/** A response an adapter offers to the fallback cache. */
export interface StorableResponse {
  status: number;
  statusText?: string | undefined;
  headers: HeadersLike;
  /**
   * The body, or a function that gives it. A function is called synchronously (before
   * `storeResponse()` returns) only when the response is storable, so an adapter reads
   * a body only when it will be kept. The cache keeps a copy of the bytes.
   */
  body: Uint8Array | ArrayBuffer | string | null | (() => Uint8Array | ArrayBuffer | string | null | undefined);
}

/** An admitted request: run it, then report how it ended with `record()`. */
export interface AllowedPermit {
  readonly allowed: true;
  /** The verdict `record()` gave, once it was called. */
  readonly verdict: Verdict | undefined;
  /** The origin this permit belongs to. */
  readonly origin: string;
  /** The headers timeout in ms that applies to this request, if any. */
  readonly timeout: number | undefined;
  /** The body idle timeout in ms that applies to this request, if any. */
  readonly bodyTimeout: number | undefined;
  /**
   * Report how the attempt ended. The first call counts; later calls return the first
   * verdict. An `'ignore'` verdict gives a half-open probe slot back. A classifier that
   * throws or returns something else is reported on the console and counts as `'ignore'`.
   */
  record(outcome: Outcome): Verdict;
  /**
   * After a `'failure'` verdict, the fallback to serve instead when the host is set to
   * `when: 'open-or-failure'`; `undefined` otherwise.
   */
  fallback(): Promise<FallbackResponse | undefined>;
  /** Offer a successful response, body complete, to the fallback cache; the box decides whether to keep it. */
  storeResponse(response: StorableResponse): void;
  /**
   * For a successful response whose body the caller will stream: a collector to hand each
   * chunk the caller reads, or `undefined` when the cache will not keep this response.
   */
  cacheCollector(response: { status: number; statusText?: string | undefined; headers: HeadersLike }): BodyCollector | undefined;
  /**
   * The body of a response recorded as a success broke off or stalled: count the attempt as
   * a failure of the origin instead (an `'aborted'` outcome, the caller's own doing, is
   * ignored). Later calls do nothing.
   */
  bodyFailed(outcome: Outcome): void;
  /**
   * The attempt failed through the client's own fault (bad options, a request body that
   * failed, a size limit the caller set): nothing is counted, and a half-open probe slot
   * is given back. Does nothing after `record()`.
   */
  release(): void;
  /** Ms since the attempt was admitted. */
  elapsed(): number;
}

/** Collects a streamed body for the cache as the caller reads it; see {@link AllowedPermit.cacheCollector}. */
export interface BodyCollector {
  /** One chunk the caller received. Returns `false` once the body grew past `maxBodyBytes`: stop offering. */
  push(chunk: Uint8Array): boolean;
  /** The caller read the whole body: store it. */
  done(): void;
}

/** A refused request: answer with `fallback()` if it gives one, else throw `error`. */
export interface RejectedPermit {
  readonly allowed: false;
  /** The origin whose breaker refused. */
  readonly origin: string;
  /** The error to throw when no fallback answers (built on first access). */
  readonly error: CircuitOpenError;
  /** The configured fallback for this request (cache, then value), or `undefined`. */
  fallback(): Promise<FallbackResponse | undefined>;
}

/** The result of `box.admit()`. */
export type Permit = AllowedPermit | RejectedPermit;

/** What {@link BreakerBox.execute} needs to know about a request. */
export interface ExecuteRequest extends AdmitRequest {
  /** The caller's signal: it ends a queue wait or a retry delay at once. */
  signal?: AbortSignal | null | undefined;
  /** Whether the request can be sent again (false for a streamed request body). @default true */
  replayable?: boolean;
}

/** What one attempt gave: a response in the client's own type, or the error it threw. */
export type AttemptReport<R> =
  | {
      response: R;
      /** The response headers, for a retry's `Retry-After`. */
      headers?: HeadersLike | undefined;
      /** Let go of a response that will not be returned (a retried or replaced failure). */
      discard?: () => void;
    }
  | { error: unknown };

/**
 * The adapter's side of {@link BreakerBox.execute}: how to send one attempt and how to turn a
 * fallback into the client's response type. Everything else (bulkhead, retries and their
 * budget, the breaker, fallbacks) is the box's.
 */
export interface AttemptHooks<R> {
  /**
   * Send one attempt (1 for the first) under `permit`, and `record()` how it ended before
   * returning. `final` is false while a retry may follow: the request must stay sendable
   * (a fetch `Request` with a body is sent as a clone, say).
   */
  send(permit: AllowedPermit, attempt: number, final: boolean): Promise<AttemptReport<R>>;
  /** A fallback (cache, value or refusal response) in the client's response type. */
  answer(fallback: FallbackResponse): R | Promise<R>;
}

/** One entry of `box.snapshot()`. */
export interface OriginSnapshot {
  origin: string;
  state: CircuitState;
  /** Failures recorded since the breaker was created. */
  failures: number;
  /** Successes recorded since the breaker was created. */
  successes: number;
  /** Requests refused by the open breaker. */
  rejected: number;
  /** Fallback responses served. */
  fallbacks: number;
  /** Clock time the breaker last opened, while it is open, half-open or isolated. */
  openedAt?: number;
  /** Ms until the next probe is admitted, while open. */
  retryAfter?: number;
}

/** Payloads of the events `box.on()` delivers. */
export interface BreakerBoxEvents {
  /**
   * A breaker changed state. `openFor` and `until` (clock time the open state ends) are set
   * on a move to `'open'`; `cause` says what moved it.
   */
  stateChange: { origin: string; from: CircuitState; to: CircuitState; cause: StateChangeCause; openFor?: number; until?: number };
  fallback: { origin: string; method: string; url: string; source: 'cache' | 'value'; reason: 'open' | 'failure' | 'bulkhead' };
  rejected: { origin: string; method: string; url: string; state: Exclude<CircuitState, 'closed'> };
  outcome: { origin: string; method: string; url: string; outcome: Outcome; verdict: Verdict; duration: number };
  /** A failed attempt will be retried after `delay` ms; `attempt` is the number of the attempt about to start (2 for the first retry). */
  retry: { origin: string; method: string; url: string; attempt: number; delay: number };
  /**
   * `box.reset(origin)` was called, whatever the origin's state was (a reset of an origin
   * that is closed here still says "reset it everywhere": `shareOpenState` shares it);
   * `box.reset()` tells it for each origin it moved out of open, half-open or isolated.
   */
  reset: { origin: string };
  /** `box.isolate(origin)` was called, whether or not the origin was isolated already (`shareOpenState` shares it as the latest word). */
  isolate: { origin: string };
}

/**
 * Why a breaker changed state:
 * - `'failures'`, `'failure-rate'`, `'slow-calls'`: a trip rule opened it;
 * - `'retry-after'`: a 429/503 with `Retry-After` paused it;
 * - `'open-elapsed'`: the open time ended and the next request became a probe;
 * - `'probe-failed'`, `'probe-succeeded'`: a half-open probe decided;
 * - `'pause-ended'`: a `Retry-After` pause ended and requests flow as before it;
 * - `'open-until'`: `box.openUntil()` (a maintenance window, or another replica's signal);
 * - `'isolate'`, `'reset'`: `box.isolate()` and `box.reset()`.
 */
export type StateChangeCause =
  | 'failures'
  | 'failure-rate'
  | 'slow-calls'
  | 'retry-after'
  | 'open-elapsed'
  | 'probe-failed'
  | 'probe-succeeded'
  | 'pause-ended'
  | 'open-until'
  | 'isolate'
  | 'reset';

/** The name of an event of {@link BreakerBoxEvents}. */
export type BreakerBoxEventName = keyof BreakerBoxEvents;

/**
 * A set of per-origin circuit breakers with shared defaults, host overrides and
 * fallbacks. Create one with {@link createBreakerBox} and hand it to an adapter.
 */
export interface BreakerBox {
  /**
   * Step one of the two-step guard: ask whether a request to `url` may go out.
   * Throws a `TypeError` for a URL that does not parse, before any breaker is touched.
   */
  admit(url: string | URL, request?: AdmitRequest): Permit;
  /**
   * The whole pipeline for one request, in this order: the origin's bulkhead, retries (with
   * their budget), the breaker for every attempt, then the attempt itself (sent by `hooks`).
   * Resolves with the response, a fallback, or rejects with the attempt's error,
   * `CircuitOpenError` or `BulkheadFullError`. Every adapter of this package is built on it.
   */
  execute<R>(url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R>;
  /** The state of the breaker for a URL or origin (`'closed'` for an origin never seen). */
  state(urlOrOrigin: string | URL): CircuitState;
  /** One entry per known origin. */
  snapshot(): OriginSnapshot[];
  /** Listen to an event; returns a function that unsubscribes. */
  on<E extends BreakerBoxEventName>(event: E, listener: (payload: BreakerBoxEvents[E]) => void): () => void;
  /**
   * Open an origin's breaker until the clock reaches `until` (ms, the box's clock): a
   * maintenance window, or another replica's signal (`breakerbox/redis`). When `until`
   * passes, the next request is a half-open probe. An isolated breaker stays isolated, and
   * an open one is only ever extended, never shortened.
   */
  openUntil(urlOrOrigin: string | URL, until: number): void;
  /** Force an origin's breaker open until `reset()`. */
  isolate(urlOrOrigin: string | URL): void;
  /** Return one origin's breaker (or every breaker) to a fresh closed state. */
  reset(urlOrOrigin?: string | URL): void;
}

import { Emitter } from '../events/emitter.js';
import { cacheRequest } from '../fallback/cache-policy.js';
import { CachedFallback } from '../fallback/cached-fallback.js';
import { buildValueResponse } from '../fallback/fallback-value.js';
import { refusalResponse } from '../fallback/refusal-response.js';
import { execute, type PipelineHost } from '../resilience/pipeline.js';
import { createMemoryCacheStore } from '../fallback/memory-cache-store.js';
import { headerPairs } from '../utils/header-pairs.js';
import { BreakerRegistry } from '../registry/breaker-registry.js';
import { toOrigin } from '../registry/origin-key.js';
import type { Breaker, BreakerContext } from './breaker.js';
import { DEFAULT_MAX_ORIGINS, validateBoxOptions, validateFallbackValue } from './options.js';
import { AdmittedPermit, type PermitBase, type PermitHost, RefusedPermit } from './permit.js';
import type {
  AdmitRequest,
  AttemptHooks,
  BreakerBox,
  BreakerBoxEventName,
  BreakerBoxEvents,
  BodyCollector,
  BreakerBoxOptions,
  CircuitState,
  Clock,
  ExecuteRequest,
  FallbackResponse,
  FallbackValue,
  HeadersLike,
  HostOptions,
  OriginSnapshot,
  Outcome,
  Permit,
  StateChangeCause,
  StorableResponse,
  Verdict,
} from './types.js';

const systemClock: Clock = { now: Date.now };
const encoder = new TextEncoder();
const noValue: Promise<undefined> = Promise.resolve(undefined);
const HTTP_SCHEME = /^https?:/i;

/**
 * Create a box of per-origin circuit breakers. Every option is checked here: a bad one
 * throws a `TypeError` or `RangeError` naming the option, the rule and the value.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 * import { createFetch } from 'breakerbox/fetch';
 *
 * const box = createBreakerBox({ breaker: { failureThreshold: 5 }, fallback: { cache: true } });
 * const resilientFetch = createFetch(box);
 * const response = await resilientFetch('https://api.example.com/users');
 * ```
 */
export function createBreakerBox(options: BreakerBoxOptions = {}): BreakerBox {
  validateBoxOptions(options);
  return new Box(options);
}

/** A static fallback value as a response, and the one settled promise every refusal it answers returns. */
interface EncodedValue {
  readonly response: FallbackResponse;
  readonly promise: Promise<FallbackResponse>;
}

/** The box. Breakers call back into it for time and events; permits for fallbacks and caching. */
class Box implements BreakerBox, BreakerContext, PermitHost, PipelineHost {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #emitter = new Emitter();
  readonly #registry: BreakerRegistry;
  readonly #cache: CachedFallback;
  /** Static fallback values, encoded once on first use. */
  readonly #values = new WeakMap<FallbackValue, EncodedValue>();
  /** The value served last and its encoding: a refusal storm serves one value, and a WeakMap lookup costs more than this check. */
  #lastValue: FallbackValue | undefined;
  #lastEncoded: EncodedValue | undefined;

  constructor(options: BreakerBoxOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    const { hosts = {}, maxOrigins = DEFAULT_MAX_ORIGINS, breaker, fallback, timeout, bodyTimeout, callerTimeout, failureStatuses, classify, retry, bulkhead, onRefusal } = options;
    const maxBytes = typeof fallback?.cache === 'object' ? fallback.cache.maxBytes : undefined;
    this.#cache = new CachedFallback(options.cacheStore ?? createMemoryCacheStore(maxBytes === undefined ? {} : { maxBytes }), this.#clock);
    const defaults = stripUndefined({ breaker, fallback, timeout, bodyTimeout, callerTimeout, failureStatuses, classify, retry, bulkhead, onRefusal }) as HostOptions;
    this.#registry = new BreakerRegistry(defaults, hosts, maxOrigins, this);
    // Encode static values now, so a body that cannot be sent (a 204 with a body) fails at construction.
    const values: [string, HostOptions['fallback']][] = [['options', fallback], ...Object.entries(hosts).map(([key, host]): [string, HostOptions['fallback']] => [`options.hosts[${JSON.stringify(key)}]`, host.fallback])];
    for (const [path, hostFallback] of values) {
      const value = hostFallback?.value;
      if (value !== undefined && typeof value !== 'function') this.#valueResponse(value, `${path}.fallback.value`);
    }
  }

  // --- BreakerBox ---

  admit(url: string | URL, request?: AdmitRequest): Permit {
    // Checked before the breaker is found: a bad call must not create (or evict) one.
    checkMethod('admit()', request);
    return this.admitOn(this.breakerOf(url), url, request);
  }

  execute<R>(url: string | URL, request: ExecuteRequest, hooks: AttemptHooks<R>): Promise<R> {
    checkMethod('execute()', request);
    return execute(this, this.breakerOf(url), url, request, hooks);
  }

  // --- PipelineHost ---

  admitOn(breaker: Breaker, url: string | URL, request: AdmitRequest | undefined): Permit {
    const rawMethod = request?.method;
    const origin = breaker.origin;
    const admitted = breaker.tryAdmit();
    const method = rawMethod === undefined ? 'GET' : rawMethod === 'GET' ? rawMethod : rawMethod.toUpperCase();
    const href = typeof url === 'string' ? url : url.href;
    // The cache's view of the request, copied now: the caller may change its headers while the request runs.
    const cached = breaker.options.fallback.cache === undefined ? undefined : cacheRequest(method, href, request?.headers, request?.cache);
    if (admitted >= 0) {
      const timed = breaker.slowWindow !== undefined || breaker.options.callerTimeout !== undefined || this.#emitter.has('outcome');
      return new AdmittedPermit(this, breaker, method, href, cached, admitted === 1, timed ? this.#clock.now() : 0);
    }
    breaker.countRefusal();
    if (this.#emitter.has('rejected')) {
      this.#emitter.emit('rejected', { origin, method, url: href, state: breaker.state === 'closed' ? 'open' : breaker.state });
    }
    return new RefusedPermit(this, breaker, method, href, cached);
  }

  state(urlOrOrigin: string | URL): CircuitState {
    const breaker = this.#registry.peek(toOrigin(urlOrOrigin));
    return breaker === undefined ? 'closed' : this.#effectiveState(breaker, this.#clock.now());
  }

  snapshot(): OriginSnapshot[] {
    const now = this.#clock.now();
    const entries: OriginSnapshot[] = [];
    for (const breaker of this.#registry.values()) {
      const state = this.#effectiveState(breaker, now);
      const entry: OriginSnapshot = {
        origin: breaker.origin,
        state,
        failures: breaker.failures,
        successes: breaker.successes,
        rejected: breaker.rejected,
        fallbacks: breaker.fallbacks,
      };
      if (state !== 'closed') entry.openedAt = breaker.openedAt;
      if (state === 'open') entry.retryAfter = breaker.openUntil - now;
      entries.push(entry);
    }
    return entries;
  }

  on<E extends BreakerBoxEventName>(event: E, listener: (payload: BreakerBoxEvents[E]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  openUntil(urlOrOrigin: string | URL, until: number): void {
    if (typeof until !== 'number' || Number.isNaN(until)) throw new TypeError(`openUntil() until must be a clock time in ms, got ${String(until)}`);
    this.#registry.get(toOrigin(urlOrOrigin)).holdOpenUntil(this.#clock.now(), until);
  }

  isolate(urlOrOrigin: string | URL): void {
    const breaker = this.#registry.get(toOrigin(urlOrOrigin));
    breaker.isolate(this.#clock.now());
    if (this.#emitter.has('isolate')) this.#emitter.emit('isolate', { origin: breaker.origin });
  }

  reset(urlOrOrigin?: string | URL): void {
    if (urlOrOrigin === undefined) {
      for (const breaker of this.#registry.values()) {
        const troubled = breaker.state !== 'closed';
        breaker.reset();
        if (troubled) this.#resetDone(breaker.origin);
      }
      return;
    }
    const origin = toOrigin(urlOrOrigin);
    this.#registry.peek(origin)?.reset();
    this.#resetDone(origin);
  }

  /** The breaker of `url`'s origin, found or created, without admitting anything. */
  breakerOf(url: string | URL): Breaker {
    const last = typeof url === 'string' ? this.#registry.lastFor(url) : undefined;
    return last ?? this.#findBreaker(url);
  }

  /** {@link breakerOf} when the URL is not the last origin's: a recent origin's, or parsed and looked up. */
  #findBreaker(url: string | URL): Breaker {
    const recent = typeof url === 'string' ? this.#registry.recentFor(url) : undefined;
    if (recent !== undefined) return recent;
    const parsed = toOrigin(url);
    if (parsed === 'null' || !HTTP_SCHEME.test(parsed)) {
      throw new TypeError(`Failed to admit ${String(url)}: only http(s) URLs have an origin to key a breaker by. Please send other URLs around breakerbox.`);
    }
    return this.#registry.get(parsed);
  }

  retrying(event: BreakerBoxEvents['retry']): void {
    if (this.#emitter.has('retry')) this.#emitter.emit('retry', event);
  }

  bulkheadFallback(breaker: Breaker, method: string, url: string, request: ExecuteRequest): Promise<FallbackResponse | undefined> {
    const cached = breaker.options.fallback.cache === undefined ? undefined : cacheRequest(method, url, request.headers, request.cache);
    return this.fallbackFor({ origin: breaker.origin, method, url, breaker, cacheRequest: cached }, 'bulkhead');
  }

  // --- BreakerContext ---

  now(): number {
    return this.#clock.now();
  }

  random(): number {
    return this.#random();
  }

  stateChanged(origin: string, from: CircuitState, to: CircuitState, cause: StateChangeCause, openFor: number | undefined, until: number | undefined): void {
    this.#registry.noteTransition(origin, from, to);
    if (!this.#emitter.has('stateChange')) return;
    this.#emitter.emit('stateChange', openFor === undefined || until === undefined ? { origin, from, to, cause } : { origin, from, to, cause, openFor, until });
  }

  // --- PermitHost ---

  recorded(permit: AdmittedPermit, outcome: Outcome, verdict: Verdict): void {
    if (!this.#emitter.has('outcome')) return;
    const { origin, method, url } = permit;
    this.#emitter.emit('outcome', { origin, method, url, outcome, verdict, duration: this.#clock.now() - permit.startedAt });
  }

  fallbackFor(permit: PermitBase, reason: 'open' | 'failure' | 'bulkhead'): Promise<FallbackResponse | undefined> {
    const rules = permit.breaker.options.fallback.cache;
    if (rules !== undefined && permit.cacheRequest !== undefined) {
      const cached = this.#cache.lookup(permit.cacheRequest, rules);
      if (cached instanceof Promise) return cached.then((hit) => (hit === undefined ? this.#valueFallback(permit, reason) : this.#served(permit, hit, reason)));
      if (cached !== undefined) return Promise.resolve(this.#served(permit, cached, reason));
    }
    return this.#valueFallback(permit, reason);
  }

  collector(permit: PermitBase, status: number, statusText: string, headers: HeadersLike): BodyCollector | undefined {
    const rules = permit.breaker.options.fallback.cache;
    if (rules === undefined || permit.cacheRequest === undefined) return undefined;
    return this.#cache.collector(permit.cacheRequest, rules, status, statusText, headerPairs(headers));
  }

  store(permit: PermitBase, response: StorableResponse): void {
    const collector = this.collector(permit, response.status, response.statusText ?? '', response.headers);
    if (collector === undefined) return;
    // Asked for only now that the cache will keep it: an adapter copies a body only then.
    const bytes = toBytes(typeof response.body === 'function' ? response.body() : response.body);
    if (bytes === undefined) return;
    if (bytes === null || collector.push(bytes)) collector.done();
  }

  // --- internals ---

  #resetDone(origin: string): void {
    if (this.#emitter.has('reset')) this.#emitter.emit('reset', { origin });
  }

  #effectiveState(breaker: Breaker, now: number): CircuitState {
    // State moves only on admission; report what the next admission will find.
    if (breaker.state !== 'open' || now < breaker.openUntil) return breaker.state;
    return breaker.resumeTo === 'closed' ? 'closed' : 'half-open';
  }

  /** The `value` fallback, after the cache had nothing: none, a static value, or a function's answer; then the refusal response. */
  #valueFallback(permit: PermitBase, reason: 'open' | 'failure' | 'bulkhead'): Promise<FallbackResponse | undefined> {
    const { value } = permit.breaker.options.fallback;
    if (value === undefined) return reason === 'open' && permit.breaker.options.onRefusal === 'respond' ? Promise.resolve(this.#refusalResponse(permit)) : noValue;
    if (typeof value !== 'function') return this.#servedValue(permit, value, reason);
    return this.#computedFallback(permit, reason);
  }

  /** `onRefusal: 'respond'`: the refusal as a 503 that SDKs read as "do not retry before Retry-After". */
  #refusalResponse(permit: PermitBase): FallbackResponse {
    return refusalResponse(permit.origin, permit.breaker.retryAfter(this.#clock.now()), permit.method, permit.url);
  }

  async #computedFallback(permit: PermitBase, reason: 'open' | 'failure' | 'bulkhead'): Promise<FallbackResponse | undefined> {
    const compute = permit.breaker.options.fallback.value as Exclude<typeof permit.breaker.options.fallback.value, FallbackValue | undefined>;
    const { origin, method, url } = permit;
    const value = await compute({ origin, method, url, reason, state: this.#effectiveState(permit.breaker, this.#clock.now()) });
    if (value === undefined) return undefined;
    validateFallbackValue('the value returned by fallback.value()', value);
    return this.#served(permit, buildValueResponse(value, 'the value returned by fallback.value()'), reason);
  }

  /** A static value answers every refused request with the same settled promise: no allocation per request. */
  #servedValue(permit: PermitBase, value: FallbackValue, reason: 'open' | 'failure' | 'bulkhead'): Promise<FallbackResponse> {
    let answer = this.#lastValue === value ? this.#lastEncoded : undefined;
    if (answer === undefined) {
      answer = this.#values.get(value) ?? this.#encodeValue(value, 'options.fallback.value');
      this.#lastValue = value;
      this.#lastEncoded = answer;
    }
    this.#served(permit, answer.response, reason);
    return answer.promise;
  }

  #valueResponse(value: FallbackValue, path: string): FallbackResponse {
    return (this.#values.get(value) ?? this.#encodeValue(value, path)).response;
  }

  #encodeValue(value: FallbackValue, path: string): EncodedValue {
    const response = buildValueResponse(value, path);
    const answer = { response, promise: Promise.resolve(response) };
    this.#values.set(value, answer);
    return answer;
  }

  #served(permit: PermitBase, response: FallbackResponse, reason: 'open' | 'failure' | 'bulkhead'): FallbackResponse {
    permit.breaker.countFallback();
    if (this.#emitter.has('fallback')) {
      const { origin, method, url } = permit;
      this.#emitter.emit('fallback', { origin, method, url, source: response.source as 'cache' | 'value', reason });
    }
    return response;
  }
}

/** A request's method must be a string, checked before any breaker is found or created. */
function checkMethod(caller: string, request: AdmitRequest | undefined): void {
  const method: unknown = request?.method;
  if (method !== undefined && typeof method !== 'string') throw new TypeError(`${caller} request.method must be a string, got ${typeof method}`);
}

function toBytes(content: Uint8Array | ArrayBuffer | string | null | undefined): Uint8Array | null | undefined {
  if (content === null || content === undefined) return content;
  if (typeof content === 'string') return encoder.encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** With `exactOptionalPropertyTypes`, an explicit `undefined` is not the same as a missing key. */
function stripUndefined(object: object): object {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

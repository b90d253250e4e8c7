import { Emitter } from '../events/emitter.js';
import { cacheKey, entryMatches, plainCacheKey, requestAllowsCache, responseIsStorable, toCachedResponse } from '../fallback/cache-policy.js';
import { buildValueResponse } from '../fallback/fallback-value.js';
import { createMemoryCacheStore } from '../fallback/memory-cache-store.js';
import { BreakerRegistry } from '../registry/breaker-registry.js';
import { toOrigin } from '../registry/origin-key.js';
import type { Breaker, BreakerContext } from './breaker.js';
import { DEFAULT_MAX_ORIGINS, validateBoxOptions, validateFallbackValue } from './options.js';
import { AdmittedPermit, type PermitBase, type PermitHost, RefusedPermit } from './permit.js';
import type {
  AdmitRequest,
  BreakerBox,
  BreakerBoxEventName,
  BreakerBoxEvents,
  BreakerBoxOptions,
  CachedResponse,
  CacheStore,
  CircuitState,
  Clock,
  FallbackResponse,
  FallbackValue,
  HostOptions,
  OriginSnapshot,
  Outcome,
  Permit,
  StorableResponse,
  Verdict,
} from './types.js';

const systemClock: Clock = { now: Date.now };
const encoder = new TextEncoder();
const noValue: Promise<undefined> = Promise.resolve(undefined);

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

/** The box. Breakers call back into it for time and events; permits for fallbacks and caching. */
class Box implements BreakerBox, BreakerContext, PermitHost {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #emitter = new Emitter();
  readonly #registry: BreakerRegistry;
  readonly #cache: CacheStore;
  /** Static fallback values, encoded once on first use. */
  readonly #values = new WeakMap<FallbackValue, { response: FallbackResponse; promise: Promise<FallbackResponse> }>();

  constructor(options: BreakerBoxOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#cache = options.cacheStore ?? createMemoryCacheStore();
    const { hosts = {}, maxOrigins = DEFAULT_MAX_ORIGINS, breaker, fallback, timeout, failureStatuses, classify } = options;
    const defaults = stripUndefined({ breaker, fallback, timeout, failureStatuses, classify }) as HostOptions;
    this.#registry = new BreakerRegistry(defaults, hosts, maxOrigins, this);
    // Encode static values now, so a body that cannot be sent (a 204 with a body) fails at construction.
    for (const value of [fallback?.value, ...Object.values(hosts).map((h) => h.fallback?.value)]) {
      if (value !== undefined && typeof value !== 'function') this.#valueResponse(value, 'options.fallback.value');
    }
  }

  // --- BreakerBox ---

  admit(url: string | URL, request?: AdmitRequest): Permit {
    let breaker = typeof url === 'string' ? this.#registry.lastFor(url) : undefined;
    if (breaker === undefined) {
      const parsed = toOrigin(url);
      if (parsed === 'null') {
        throw new TypeError(`Failed to admit ${String(url)}: only http(s) URLs have an origin to key a breaker by. Please send other URLs around breakerbox.`);
      }
      breaker = this.#registry.get(parsed);
    }
    const origin = breaker.origin;
    const admitted = breaker.tryAdmit();
    const rawMethod = request?.method;
    const method = rawMethod === undefined ? 'GET' : rawMethod === 'GET' ? rawMethod : rawMethod.toUpperCase();
    const href = typeof url === 'string' ? url : url.href;
    if (admitted >= 0) {
      const timed = breaker.slowWindow !== undefined || this.#emitter.has('outcome');
      return new AdmittedPermit(this, breaker, method, href, request?.headers, admitted === 1, timed ? this.#clock.now() : 0);
    }
    breaker.rejected++;
    if (this.#emitter.has('rejected')) {
      this.#emitter.emit('rejected', { origin, method, url: href, state: breaker.state === 'closed' ? 'open' : breaker.state });
    }
    return new RefusedPermit(this, breaker, method, href, request?.headers);
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

  isolate(urlOrOrigin: string | URL): void {
    this.#registry.get(toOrigin(urlOrOrigin)).isolate(this.#clock.now());
  }

  reset(urlOrOrigin?: string | URL): void {
    if (urlOrOrigin === undefined) {
      for (const breaker of this.#registry.values()) breaker.reset();
      return;
    }
    this.#registry.peek(toOrigin(urlOrOrigin))?.reset();
  }

  // --- BreakerContext ---

  now(): number {
    return this.#clock.now();
  }

  random(): number {
    return this.#random();
  }

  stateChanged(origin: string, from: CircuitState, to: CircuitState, openFor: number | undefined): void {
    this.#registry.noteTransition(from, to);
    if (!this.#emitter.has('stateChange')) return;
    this.#emitter.emit('stateChange', openFor === undefined ? { origin, from, to } : { origin, from, to, openFor });
  }

  // --- PermitHost ---

  recorded(permit: AdmittedPermit, outcome: Outcome, verdict: Verdict): void {
    if (!this.#emitter.has('outcome')) return;
    const { origin, method, url } = permit;
    this.#emitter.emit('outcome', { origin, method, url, outcome, verdict, duration: this.#clock.now() - permit.startedAt });
  }

  fallbackFor(permit: PermitBase, reason: 'open' | 'failure'): Promise<FallbackResponse | undefined> {
    const { cache } = permit.breaker.options.fallback;
    if (cache !== undefined && requestAllowsCache(permit.method, permit.headers, cache)) {
      const key = plainCacheKey(permit.method, permit.url, permit.headers);
      if (key === undefined) return this.#privateCacheFallback(permit, reason);
      const cached = this.#lookup(permit, key);
      if (cached !== undefined) return Promise.resolve(this.#served(permit, cached, reason));
    }
    return this.#valueFallback(permit, reason);
  }

  store(permit: PermitBase, response: StorableResponse): void {
    const cache = permit.breaker.options.fallback.cache;
    if (cache === undefined || !requestAllowsCache(permit.method, permit.headers, cache)) return;
    if (!responseIsStorable(response.status, response.headers, cache)) return;
    // Read the body now, synchronously: an adapter clones lazily and must do it before its caller reads.
    const body = typeof response.body === 'function' ? response.body(cache.maxBodyBytes) : response.body;
    const storedAt = this.#clock.now();
    Promise.all([body, cacheKey(permit.method, permit.url, permit.headers)])
      .then(([content, key]) => {
        if (key === undefined || content === undefined) return;
        const bytes = toBytes(content);
        if (bytes !== null && bytes.byteLength > cache.maxBodyBytes) return;
        this.#cache.set(key, toCachedResponse(response.status, response.statusText ?? '', response.headers, bytes, permit.headers, storedAt));
      })
      // A body that fails mid-read (a reset after the headers) is simply not cached.
      .catch(() => {});
  }

  // --- internals ---

  #effectiveState(breaker: Breaker, now: number): CircuitState {
    // State moves only on admission; report what the next admission will find.
    return breaker.state === 'open' && now >= breaker.openUntil ? 'half-open' : breaker.state;
  }

  /** A HEAD may be answered from a stored GET, without its body. */
  #lookup(permit: PermitBase, key: string): FallbackResponse | undefined {
    const { maxStale } = permit.breaker.options.fallback.cache!;
    const now = this.#clock.now();
    let entry = this.#fresh(key, permit, now, maxStale);
    if (entry === undefined && permit.method === 'HEAD') entry = this.#fresh(`GET${key.slice(4)}`, permit, now, maxStale);
    if (entry === undefined) return undefined;
    const headers: [string, string][] = [...entry.headers, ['age', String(Math.max(0, Math.floor((now - entry.storedAt) / 1000)))], ['x-breakerbox-fallback', 'cache']];
    return { status: entry.status, statusText: entry.statusText, headers, body: permit.method === 'HEAD' ? null : entry.body, source: 'cache' };
  }

  #fresh(key: string, permit: PermitBase, now: number, maxStale: number): CachedResponse | undefined {
    const entry = this.#cache.get(key);
    return entry !== undefined && entryMatches(entry, permit.headers, now, maxStale) ? entry : undefined;
  }

  async #privateCacheFallback(permit: PermitBase, reason: 'open' | 'failure'): Promise<FallbackResponse | undefined> {
    const key = await cacheKey(permit.method, permit.url, permit.headers);
    const cached = key === undefined ? undefined : this.#lookup(permit, key);
    if (cached !== undefined) return this.#served(permit, cached, reason);
    return this.#valueFallback(permit, reason);
  }

  /** The `value` fallback, after the cache had nothing: none, a static value, or a function's answer. */
  #valueFallback(permit: PermitBase, reason: 'open' | 'failure'): Promise<FallbackResponse | undefined> {
    const { value } = permit.breaker.options.fallback;
    if (value === undefined) return noValue;
    if (typeof value !== 'function') return this.#servedValue(permit, value, reason);
    return this.#computedFallback(permit, reason);
  }

  async #computedFallback(permit: PermitBase, reason: 'open' | 'failure'): Promise<FallbackResponse | undefined> {
    const compute = permit.breaker.options.fallback.value as Exclude<typeof permit.breaker.options.fallback.value, FallbackValue | undefined>;
    const { origin, method, url } = permit;
    const value = await compute({ origin, method, url, reason, state: this.#effectiveState(permit.breaker, this.#clock.now()) });
    if (value === undefined) return undefined;
    validateFallbackValue('the value returned by fallback.value()', value);
    return this.#served(permit, buildValueResponse(value, 'the value returned by fallback.value()'), reason);
  }

  /** A static value answers every refused request with the same settled promise: no allocation per request. */
  #servedValue(permit: PermitBase, value: FallbackValue, reason: 'open' | 'failure'): Promise<FallbackResponse> {
    const answer = this.#values.get(value) ?? this.#encodeValue(value, 'options.fallback.value');
    this.#served(permit, answer.response, reason);
    return answer.promise;
  }

  #valueResponse(value: FallbackValue, path: string): FallbackResponse {
    return (this.#values.get(value) ?? this.#encodeValue(value, path)).response;
  }

  #encodeValue(value: FallbackValue, path: string): { response: FallbackResponse; promise: Promise<FallbackResponse> } {
    const response = buildValueResponse(value, path);
    const answer = { response, promise: Promise.resolve(response) };
    this.#values.set(value, answer);
    return answer;
  }

  #served(permit: PermitBase, response: FallbackResponse, reason: 'open' | 'failure'): FallbackResponse {
    permit.breaker.fallbacks++;
    if (this.#emitter.has('fallback')) {
      const { origin, method, url } = permit;
      this.#emitter.emit('fallback', { origin, method, url, source: response.source, reason });
    }
    return response;
  }
}

function toBytes(content: Uint8Array | ArrayBuffer | string | null | undefined): Uint8Array | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return encoder.encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** With `exactOptionalPropertyTypes`, an explicit `undefined` is not the same as a missing key. */
function stripUndefined(object: object): object {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

import { createStatusClassifier, defaultFailureStatuses } from '../classification/classify.js';
import { DEFAULT_CREDENTIAL_HEADERS, type CacheRules } from '../fallback/cache-policy.js';
import { DEFAULT_CACHE_MAX_BYTES } from '../fallback/memory-cache-store.js';
import type {
  BreakerBoxOptions,
  BreakerOptions,
  BulkheadOptions,
  CacheFallbackOptions,
  Classifier,
  FallbackOptions,
  FallbackValue,
  HostOptions,
  RetryOptions,
} from './types.js';
import {
  assertBoolean,
  assertDuration,
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertObject,
  assertOneOf,
  assertRatio,
  assertStatus,
  isPlainObject,
  show,
} from './validate.js';

/** A sliding-window rule after defaults: the failure-rate rule and the slow-call rule share this shape. */
export interface ResolvedRateRule {
  /** Ratio (0, 1] that opens the breaker. */
  threshold: number;
  minimumCalls: number;
  /** The time window in ms; 0 when the rule counts calls instead. */
  window: number;
  /** The failure-rate rule over the last this many calls; 0 for a time window. */
  calls: number;
  /** Slow-call rule only: a call this slow (ms) counts; 0 for the failure-rate rule. */
  duration: number;
}

/** {@link BreakerOptions} after defaults, as the breaker reads them. */
export interface ResolvedBreakerOptions {
  failureThreshold: number;
  failureRate: ResolvedRateRule | undefined;
  slowCall: ResolvedRateRule | undefined;
  openDuration: number;
  maxOpenDuration: number;
  halfOpenProbes: number;
  respectRetryAfter: boolean;
}

/** {@link FallbackOptions} after defaults. */
export interface ResolvedFallbackOptions {
  cache: CacheRules | undefined;
  value: FallbackOptions['value'];
  when: 'open' | 'open-or-failure';
}

/** Everything one origin's breaker needs, resolved once per host entry. */
export interface ResolvedHostOptions {
  breaker: ResolvedBreakerOptions;
  fallback: ResolvedFallbackOptions;
  timeout: number | undefined;
  bodyTimeout: number | undefined;
  callerTimeout: number | undefined;
  classify: Classifier;
  retry: ResolvedRetryOptions | undefined;
  bulkhead: ResolvedBulkheadOptions | undefined;
  onRefusal: 'throw' | 'respond';
}

/** {@link RetryOptions} after defaults. */
export interface ResolvedRetryOptions {
  attempts: number;
  delay: number;
  maxDelay: number;
  methods: ReadonlySet<string>;
  budget: { ratio: number; minPerSecond: number } | undefined;
  respectRetryAfter: boolean;
}

/** {@link BulkheadOptions} after defaults. */
export interface ResolvedBulkheadOptions {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeout: number | undefined;
}

/** The idempotent methods RFC 9110 names (minus TRACE): retried without an Idempotency-Key. */
export const DEFAULT_RETRY_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** The defaults every origin starts from. */
export const defaultBreakerOptions: Readonly<Required<Omit<BreakerOptions, 'failureRate' | 'slowCall'>>> = Object.freeze({
  failureThreshold: 5,
  openDuration: 30_000,
  maxOpenDuration: 300_000,
  halfOpenProbes: 1,
  respectRetryAfter: true,
});

/** Defaults of the cached fallback, when `cache: true`. */
export const defaultCacheOptions: Readonly<Required<Omit<CacheFallbackOptions, 'key'>>> = Object.freeze({
  maxStale: Infinity,
  private: false,
  credentialHeaders: Object.freeze([]) as readonly string[],
  maxBodyBytes: 1_048_576,
  maxBytes: DEFAULT_CACHE_MAX_BYTES,
  lookupTimeout: 100,
});

/** The largest delay a timer can take: a longer one fires at once (the HTML timers spec clamps it to 1 ms). */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** An HTTP header name (RFC 9110 token) and a value a `Headers` accepts. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;

const DEFAULT_WINDOW = 60_000;
const DEFAULT_MINIMUM_CALLS = 10;
export const DEFAULT_MAX_ORIGINS = 1000;

const hostKeys = ['breaker', 'fallback', 'timeout', 'bodyTimeout', 'callerTimeout', 'failureStatuses', 'classify', 'retry', 'bulkhead', 'onRefusal'] as const;
const boxKeys = [...hostKeys, 'hosts', 'maxOrigins', 'clock', 'random', 'cacheStore'] as const;
const breakerKeys = ['failureThreshold', 'failureRate', 'slowCall', 'openDuration', 'maxOpenDuration', 'halfOpenProbes', 'respectRetryAfter'] as const;

/** Check the box-level options that are not per host. Throws on the first bad one. */
export function validateBoxOptions(options: unknown): asserts options is BreakerBoxOptions {
  assertObject('options', options);
  assertKnownKeys('options', options, boxKeys);
  validateHostOptions('options', options);
  if (options.maxOrigins !== undefined) assertInteger('options.maxOrigins', options.maxOrigins, 1);
  if (options.clock !== undefined) {
    if (typeof options.clock !== 'object' || options.clock === null) throw new TypeError(`options.clock must be an object with a now() method, got ${show(options.clock)}`);
    assertFunction('options.clock.now', (options.clock as { now?: unknown }).now);
  }
  if (options.random !== undefined) assertFunction('options.random', options.random);
  if (options.cacheStore !== undefined) {
    const store = options.cacheStore as Record<string, unknown> | null;
    if (typeof store !== 'object' || store === null) throw new TypeError(`options.cacheStore must be an object with get, set and delete, got ${show(store)}`);
    for (const method of ['get', 'set', 'delete'] as const) assertFunction(`options.cacheStore.${method}`, store[method]);
  }
  if (options.hosts !== undefined) {
    assertObject('options.hosts', options.hosts);
    for (const [key, host] of Object.entries(options.hosts)) {
      const path = `options.hosts[${JSON.stringify(key)}]`;
      assertObject(path, host);
      assertKnownKeys(path, host, hostKeys);
      validateHostOptions(path, host);
      const cache = (host.fallback as { cache?: { maxBytes?: unknown } } | undefined)?.cache;
      if (typeof cache === 'object' && cache !== null && cache.maxBytes !== undefined) {
        throw new TypeError(`${path}.fallback.cache.maxBytes bounds the box's one store, so it is set on options.fallback.cache.maxBytes only, got ${show(cache.maxBytes)}`);
      }
    }
  }
}

function validateHostOptions(path: string, options: Record<string, unknown>): void {
  if (options.breaker !== undefined) validateBreakerOptions(`${path}.breaker`, options.breaker);
  if (options.fallback !== undefined) validateFallbackOptions(`${path}.fallback`, options.fallback);
  for (const name of ['timeout', 'bodyTimeout', 'callerTimeout'] as const) {
    if (options[name] !== undefined) assertTimerDelay(`${path}.${name}`, options[name]);
  }
  if (options.classify !== undefined) assertFunction(`${path}.classify`, options.classify);
  if (options.onRefusal !== undefined) assertOneOf(`${path}.onRefusal`, options.onRefusal, ['throw', 'respond']);
  if (options.retry !== undefined && options.retry !== false) validateRetryOptions(`${path}.retry`, options.retry);
  if (options.bulkhead !== undefined && options.bulkhead !== false) validateBulkheadOptions(`${path}.bulkhead`, options.bulkhead);
  if (options.failureStatuses !== undefined) {
    const statuses = options.failureStatuses;
    if (!Array.isArray(statuses)) throw new TypeError(`${path}.failureStatuses must be an array of HTTP statuses, got ${show(statuses)}`);
    statuses.forEach((status: unknown, i) => {
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
        throw new RangeError(`${path}.failureStatuses[${i}] must be an integer HTTP status from 100 to 599, got ${show(status)}`);
      }
    });
  }
}

function validateBreakerOptions(path: string, breaker: unknown): void {
  assertObject(path, breaker);
  assertKnownKeys(path, breaker, breakerKeys);
  if (breaker.failureThreshold !== undefined) assertInteger(`${path}.failureThreshold`, breaker.failureThreshold, 1, true);
  if (breaker.openDuration !== undefined) assertDuration(`${path}.openDuration`, breaker.openDuration);
  if (breaker.maxOpenDuration !== undefined) assertDuration(`${path}.maxOpenDuration`, breaker.maxOpenDuration);
  if (breaker.halfOpenProbes !== undefined) assertInteger(`${path}.halfOpenProbes`, breaker.halfOpenProbes, 1);
  if (breaker.respectRetryAfter !== undefined) assertBoolean(`${path}.respectRetryAfter`, breaker.respectRetryAfter);
  if (breaker.failureRate !== undefined && breaker.failureRate !== false) {
    const rule = breaker.failureRate;
    assertObject(`${path}.failureRate`, rule);
    assertKnownKeys(`${path}.failureRate`, rule, ['threshold', 'minimumCalls', 'window', 'calls']);
    assertRatio(`${path}.failureRate.threshold`, rule.threshold);
    if (rule.calls !== undefined) {
      if (rule.window !== undefined) throw new TypeError(`${path}.failureRate takes a window in ms or a number of calls, not both; got window ${show(rule.window)} and calls ${show(rule.calls)}`);
      assertInteger(`${path}.failureRate.calls`, rule.calls, 1);
      if ((rule.calls as number) > 100_000) throw new RangeError(`${path}.failureRate.calls must be at most 100000, got ${show(rule.calls)}`);
    }
    validateWindow(`${path}.failureRate`, rule);
  }
  if (breaker.slowCall !== undefined && breaker.slowCall !== false) {
    const rule = breaker.slowCall;
    assertObject(`${path}.slowCall`, rule);
    assertKnownKeys(`${path}.slowCall`, rule, ['duration', 'rateThreshold', 'minimumCalls', 'window']);
    assertDuration(`${path}.slowCall.duration`, rule.duration);
    if (rule.rateThreshold !== undefined) assertRatio(`${path}.slowCall.rateThreshold`, rule.rateThreshold);
    validateWindow(`${path}.slowCall`, rule);
  }
}

function validateRetryOptions(path: string, retry: unknown): void {
  assertObject(path, retry);
  assertKnownKeys(path, retry, ['attempts', 'delay', 'maxDelay', 'methods', 'budget', 'respectRetryAfter']);
  if (retry.attempts !== undefined) assertInteger(`${path}.attempts`, retry.attempts, 0);
  if (retry.attempts !== undefined && (retry.attempts as number) > 100) throw new RangeError(`${path}.attempts must be at most 100, got ${show(retry.attempts)}`);
  if (retry.delay !== undefined) assertTimerDelay(`${path}.delay`, retry.delay);
  if (retry.maxDelay !== undefined) assertTimerDelay(`${path}.maxDelay`, retry.maxDelay);
  if (retry.respectRetryAfter !== undefined) assertBoolean(`${path}.respectRetryAfter`, retry.respectRetryAfter);
  if (retry.methods !== undefined) {
    if (!Array.isArray(retry.methods)) throw new TypeError(`${path}.methods must be an array of HTTP methods, got ${show(retry.methods)}`);
    retry.methods.forEach((method: unknown, i) => {
      if (typeof method !== 'string' || !HEADER_NAME.test(method)) throw new TypeError(`${path}.methods[${i}] must be an HTTP method, got ${show(method)}`);
    });
  }
  if (retry.budget !== undefined && retry.budget !== false) {
    assertObject(`${path}.budget`, retry.budget);
    assertKnownKeys(`${path}.budget`, retry.budget, ['ratio', 'minPerSecond']);
    const { ratio, minPerSecond } = retry.budget;
    if (ratio !== undefined && (typeof ratio !== 'number' || !(ratio >= 0) || !Number.isFinite(ratio))) throw new RangeError(`${path}.budget.ratio must be a finite number >= 0, got ${show(ratio)}`);
    if (minPerSecond !== undefined && (typeof minPerSecond !== 'number' || !(minPerSecond >= 0) || !Number.isFinite(minPerSecond))) throw new RangeError(`${path}.budget.minPerSecond must be a finite number >= 0, got ${show(minPerSecond)}`);
  }
}

function validateBulkheadOptions(path: string, bulkhead: unknown): void {
  assertObject(path, bulkhead);
  assertKnownKeys(path, bulkhead, ['maxConcurrent', 'maxQueue', 'queueTimeout']);
  if (bulkhead.maxConcurrent === undefined) throw new TypeError(`${path}.maxConcurrent is required (the requests in flight at once per origin), got undefined`);
  assertInteger(`${path}.maxConcurrent`, bulkhead.maxConcurrent, 1);
  if (bulkhead.maxQueue !== undefined) assertInteger(`${path}.maxQueue`, bulkhead.maxQueue, 0);
  if (bulkhead.queueTimeout !== undefined) assertTimerDelay(`${path}.queueTimeout`, bulkhead.queueTimeout);
}

function validateWindow(path: string, rule: Record<string, unknown>): void {
  if (rule.minimumCalls !== undefined) assertInteger(`${path}.minimumCalls`, rule.minimumCalls, 1);
  // The window is kept as 10 buckets, so it needs at least 10 ms to give each bucket 1 ms.
  if (rule.window !== undefined) {
    assertDuration(`${path}.window`, rule.window);
    if ((rule.window as number) < 10) throw new RangeError(`${path}.window must be at least 10 milliseconds, got ${show(rule.window)}`);
  }
}

function validateFallbackOptions(path: string, fallback: unknown): void {
  assertObject(path, fallback);
  assertKnownKeys(path, fallback, ['cache', 'value', 'when']);
  if (fallback.when !== undefined) assertOneOf(`${path}.when`, fallback.when, ['open', 'open-or-failure']);
  const cache = fallback.cache;
  if (cache !== undefined && typeof cache !== 'boolean') {
    assertObject(`${path}.cache`, cache);
    assertKnownKeys(`${path}.cache`, cache, ['maxStale', 'private', 'credentialHeaders', 'key', 'maxBodyBytes', 'maxBytes', 'lookupTimeout']);
    if (cache.lookupTimeout !== undefined) assertTimerDelay(`${path}.cache.lookupTimeout`, cache.lookupTimeout);
    if (cache.maxStale !== undefined) assertDuration(`${path}.cache.maxStale`, cache.maxStale, true);
    if (cache.private !== undefined) assertBoolean(`${path}.cache.private`, cache.private);
    if (cache.maxBodyBytes !== undefined) assertInteger(`${path}.cache.maxBodyBytes`, cache.maxBodyBytes, 0);
    if (cache.maxBytes !== undefined) assertInteger(`${path}.cache.maxBytes`, cache.maxBytes, 1);
    if (cache.key !== undefined) assertFunction(`${path}.cache.key`, cache.key);
    if (cache.credentialHeaders !== undefined) {
      const names = cache.credentialHeaders;
      if (!Array.isArray(names)) throw new TypeError(`${path}.cache.credentialHeaders must be an array of header names, got ${show(names)}`);
      names.forEach((name: unknown, i) => {
        if (typeof name !== 'string' || !HEADER_NAME.test(name)) throw new TypeError(`${path}.cache.credentialHeaders[${i}] must be an HTTP header name, got ${show(name)}`);
      });
    }
  }
  if (fallback.value !== undefined && typeof fallback.value !== 'function') validateFallbackValue(`${path}.value`, fallback.value);
}

/** Check a fallback value; also used at request time for values returned by a fallback function. */
export function validateFallbackValue(path: string, value: unknown): asserts value is FallbackValue {
  assertObject(path, value);
  assertKnownKeys(path, value, ['status', 'headers', 'body']);
  if (value.status !== undefined) assertStatus(`${path}.status`, value.status);
  if (value.headers !== undefined) {
    assertObject(`${path}.headers`, value.headers);
    for (const [name, header] of Object.entries(value.headers)) {
      if (!HEADER_NAME.test(name)) throw new TypeError(`${path}.headers has ${JSON.stringify(name)}, which is not an HTTP header name`);
      if (typeof header !== 'string') throw new TypeError(`${path}.headers[${JSON.stringify(name)}] must be a string, got ${show(header)}`);
      if (!HEADER_VALUE.test(header)) throw new TypeError(`${path}.headers[${JSON.stringify(name)}] must not contain CR, LF or NUL, got ${show(header)}`);
    }
  }
}

/**
 * Merge a host entry over the box's defaults, field by field (a nested rule such as
 * `failureRate` is replaced whole), then fill in defaults. Expects validated input.
 */
export function resolveHostOptions(base: HostOptions, host: HostOptions | undefined, path = 'options'): ResolvedHostOptions {
  const breaker: BreakerOptions = { ...base.breaker, ...host?.breaker };
  const fallback: FallbackOptions = { ...base.fallback, ...host?.fallback };
  const openDuration = breaker.openDuration ?? defaultBreakerOptions.openDuration;
  // Given only openDuration, the cap follows it: an option the user never set must not refuse theirs.
  const maxOpenDuration = breaker.maxOpenDuration ?? Math.max(defaultBreakerOptions.maxOpenDuration, openDuration);
  if (maxOpenDuration < openDuration) {
    throw new RangeError(`${path}.breaker.maxOpenDuration must be >= openDuration (${openDuration}), got ${maxOpenDuration}`);
  }
  return {
    breaker: {
      failureThreshold: breaker.failureThreshold ?? defaultBreakerOptions.failureThreshold,
      failureRate: breaker.failureRate
        ? {
            threshold: breaker.failureRate.threshold,
            minimumCalls: breaker.failureRate.minimumCalls ?? DEFAULT_MINIMUM_CALLS,
            window: breaker.failureRate.calls === undefined ? (breaker.failureRate.window ?? DEFAULT_WINDOW) : 0,
            calls: breaker.failureRate.calls ?? 0,
            duration: 0,
          }
        : undefined,
      slowCall: breaker.slowCall
        ? {
            threshold: breaker.slowCall.rateThreshold ?? 1,
            minimumCalls: breaker.slowCall.minimumCalls ?? DEFAULT_MINIMUM_CALLS,
            window: breaker.slowCall.window ?? DEFAULT_WINDOW,
            calls: 0,
            duration: breaker.slowCall.duration,
          }
        : undefined,
      openDuration,
      maxOpenDuration,
      halfOpenProbes: breaker.halfOpenProbes ?? defaultBreakerOptions.halfOpenProbes,
      respectRetryAfter: breaker.respectRetryAfter ?? defaultBreakerOptions.respectRetryAfter,
    },
    fallback: {
      cache: fallback.cache ? resolveCacheRules(fallback.cache) : undefined,
      value: fallback.value,
      when: fallback.when ?? 'open',
    },
    timeout: finiteOrNone(host?.timeout ?? base.timeout),
    bodyTimeout: finiteOrNone(host?.bodyTimeout ?? base.bodyTimeout),
    callerTimeout: finiteOrNone(host?.callerTimeout ?? base.callerTimeout),
    classify: resolveClassifier(base, host),
    retry: resolveRetry(pick(base.retry, host?.retry)),
    bulkhead: resolveBulkhead(pick(base.bulkhead, host?.bulkhead)),
    onRefusal: host?.onRefusal ?? base.onRefusal ?? 'throw',
  };
}

/** A host's own entry wins whole; `false` turns the box's off for that host. */
function pick<T>(base: T | false | undefined, host: T | false | undefined): T | undefined {
  const chosen = host === undefined ? base : host;
  return chosen === false ? undefined : chosen;
}

function resolveRetry(retry: RetryOptions | undefined): ResolvedRetryOptions | undefined {
  if (retry === undefined) return undefined;
  const budget = retry.budget === false ? undefined : { ratio: retry.budget?.ratio ?? 0.2, minPerSecond: retry.budget?.minPerSecond ?? 10 };
  return {
    attempts: retry.attempts ?? 2,
    delay: retry.delay ?? 100,
    maxDelay: retry.maxDelay ?? 10_000,
    methods: new Set((retry.methods ?? DEFAULT_RETRY_METHODS).map((method) => method.toUpperCase())),
    budget,
    respectRetryAfter: retry.respectRetryAfter ?? true,
  };
}

function resolveBulkhead(bulkhead: BulkheadOptions | undefined): ResolvedBulkheadOptions | undefined {
  if (bulkhead === undefined) return undefined;
  return { maxConcurrent: bulkhead.maxConcurrent, maxQueue: bulkhead.maxQueue ?? 0, queueTimeout: bulkhead.queueTimeout };
}

function finiteOrNone(ms: number | undefined): number | undefined {
  return ms === Infinity ? undefined : ms;
}

function resolveCacheRules(cache: true | CacheFallbackOptions): CacheRules {
  const given: CacheFallbackOptions = isPlainObject(cache) ? cache : {};
  const extra = (given.credentialHeaders ?? []).map((name) => name.toLowerCase());
  return {
    maxStale: given.maxStale ?? defaultCacheOptions.maxStale,
    private: given.private ?? defaultCacheOptions.private,
    maxBodyBytes: given.maxBodyBytes ?? defaultCacheOptions.maxBodyBytes,
    credentialHeaders: [...new Set([...DEFAULT_CREDENTIAL_HEADERS, ...extra])],
    key: given.key,
    lookupTimeout: given.lookupTimeout ?? defaultCacheOptions.lookupTimeout,
  };
}

/** A timer delay: an integer from 1 to {@link MAX_TIMER_DELAY} ms, or `Infinity` for none. */
function assertTimerDelay(path: string, value: unknown): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${path} must be a number of milliseconds, got ${show(value)}`);
  if (value === Infinity) return;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_DELAY) {
    throw new RangeError(`${path} must be an integer number of milliseconds from 1 to ${MAX_TIMER_DELAY} (or Infinity for none), got ${show(value)}`);
  }
}

/** A host's own `classify` or `failureStatuses` wins over the box's; `classify` wins at the same level. */
function resolveClassifier(base: HostOptions, host: HostOptions | undefined): Classifier {
  if (host?.classify) return host.classify;
  if (host?.failureStatuses) return createStatusClassifier(host.failureStatuses);
  if (base.classify) return base.classify;
  return base.failureStatuses ? createStatusClassifier(base.failureStatuses) : defaultClassifier;
}

const defaultClassifier = createStatusClassifier(defaultFailureStatuses);

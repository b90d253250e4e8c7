/**
 * breakerbox: per-origin circuit breakers with fallbacks for HTTP clients.
 * The adapters live in their own subpaths: `breakerbox/fetch`, `breakerbox/axios`, `breakerbox/ky`.
 * @packageDocumentation
 */
export { createBreakerBox } from './core/box.js';
export {
  BreakerBoxError,
  BulkheadFullError,
  CircuitOpenError,
  findBreakerBoxError,
  isBreakerBoxError,
  isBulkheadFullError,
  isCircuitOpenError,
  type BulkheadFullErrorDetails,
  type CircuitOpenErrorDetails,
} from './errors.js';
export { createStatusClassifier, defaultFailureStatuses } from './classification/classify.js';
export { createMemoryCacheStore, type MemoryCacheStoreOptions } from './fallback/memory-cache-store.js';
export { defaultBreakerOptions, defaultCacheOptions } from './core/options.js';
export { parseRetryAfter } from './core/retry-after.js';
export type {
  AdmitRequest,
  AllowedPermit,
  BreakerBox,
  BreakerBoxEventName,
  BreakerBoxEvents,
  BreakerBoxOptions,
  BreakerOptions,
  BreakerRequest,
  CacheFallbackOptions,
  CachedResponse,
  CacheStore,
  CircuitState,
  Classifier,
  Clock,
  FailureRateOptions,
  FallbackContext,
  FallbackOptions,
  FallbackResponse,
  FallbackValue,
  HeadersLike,
  HostOptions,
  OriginSnapshot,
  Outcome,
  Permit,
  RejectedPermit,
  SlowCallOptions,
  StateChangeCause,
  StorableResponse,
  Verdict,
} from './core/types.js';

import type { CircuitState } from '../core/types.js';

/**
 * The instruments `instrument()` creates. The Prometheus exporter turns the dots into
 * underscores and adds `_total` to counters: `breakerbox.requests` is scraped as
 * `breakerbox_requests_total`, the histogram as `breakerbox_attempt_duration_bucket`.
 */
export const metricNames = {
  /** Counter: attempts that went out (attributes: origin, verdict, outcome). */
  requests: 'breakerbox.requests',
  /** Counter: requests an open, half-open or isolated breaker refused (origin, state). */
  rejections: 'breakerbox.rejections',
  /** Counter: fallback responses served (origin, source, reason). */
  fallbacks: 'breakerbox.fallbacks',
  /** Counter: attempts scheduled again after a failure (origin). */
  retries: 'breakerbox.retries',
  /** Counter: state changes (origin, from, to, cause). */
  transitions: 'breakerbox.transitions',
  /** Histogram, seconds: how long each attempt that went out took (origin, verdict, outcome). */
  attemptDuration: 'breakerbox.attempt.duration',
  /** Observable gauge: each origin's state, as {@link stateValues}. */
  state: 'breakerbox.state',
} as const;

/**
 * The attribute keys on the points and span events. All of them have few values: the
 * origin label is what `options.origin` makes of `scheme://host:port`, and no path,
 * query or method ever becomes an attribute.
 */
export const attributeNames = {
  origin: 'breakerbox.origin',
  /** `success`, `failure` or `ignore`: what the classifier made of the attempt. */
  verdict: 'breakerbox.verdict',
  /** `response`, `timeout`, `network` or `aborted`. */
  outcome: 'breakerbox.outcome',
  /** The state that refused a request: `open`, `half-open` or `isolated`. */
  state: 'breakerbox.state',
  /** `cache` or `value`. */
  fallbackSource: 'breakerbox.fallback.source',
  /** `open` (refused), `failure` (the attempt failed) or `bulkhead`. */
  fallbackReason: 'breakerbox.fallback.reason',
  from: 'breakerbox.state.from',
  to: 'breakerbox.state.to',
  /** Why the state changed, e.g. `failures`, `probe-succeeded`, `retry-after`. */
  cause: 'breakerbox.transition.cause',
  /** On the `breakerbox.retry` span event: the number of the attempt about to start. */
  attempt: 'breakerbox.retry.attempt',
  /** On the `breakerbox.retry` span event: the wait before it, in ms. */
  delay: 'breakerbox.retry.delay',
} as const;

/**
 * The value of the `breakerbox.state` gauge for each state. The order is by severity,
 * so the worst of several origins grouped under one label is the largest.
 *
 * @example
 * ```ts
 * import { stateValues } from 'breakerbox/otel';
 *
 * console.log(stateValues.open); // 2
 * ```
 */
export const stateValues: Readonly<Record<CircuitState, number>> = Object.freeze({ closed: 0, 'half-open': 1, open: 2, isolated: 3 });

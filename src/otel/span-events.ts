import { trace, type Attributes } from '@opentelemetry/api';

/** The names of the span events `instrument()` adds to the caller's active span. */
export const spanEventNames = {
  /** A breaker refused the request: attributes origin and state. */
  rejected: 'breakerbox.rejected',
  /** A fallback answered: origin, fallback source and reason. */
  fallback: 'breakerbox.fallback',
  /** A failed attempt will be tried again: origin, attempt and delay (ms). */
  retry: 'breakerbox.retry',
  /** This request's outcome moved the breaker: origin, from, to and cause. */
  stateChange: 'breakerbox.state_change',
} as const;

/**
 * Adds an event to the active span, if there is one. The box runs its listeners inside
 * the request's own call, so the active span is the caller's: its trace then shows why a
 * call took 0.2 ms, or returned a cached body.
 */
export function addSpanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

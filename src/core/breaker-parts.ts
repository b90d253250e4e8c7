/** The parts of a `Breaker` made only when its options or its trouble need them: each field costs every origin 8 bytes. */
import type { ResolvedHostOptions } from './options.js';
import { CountWindow } from './count-window.js';
import { RollingWindow } from './rolling-window.js';

/** The rolling windows an origin's options ask for, in one object made only when one is set. */
export interface Windows {
  readonly failure: RollingWindow | CountWindow | undefined;
  readonly slow: RollingWindow | undefined;
}

/**
 * What only a breaker that has been in trouble needs: the open and half-open bookkeeping,
 * and the counters of failures, refusals and fallbacks. Made on the first failure, refusal,
 * fallback or transition, and kept (the counters are for life), so an origin that has only
 * ever succeeded carries none of it.
 */
export class Trouble {
  /** Re-opens from half-open since the breaker was last closed; drives the x2 escalation. */
  openLevel = 0;
  openedAt = 0;
  openUntil = 0;
  probesAdmitted = 0;
  probeSuccesses = 0;
  /** A half-open probe that has not reported by then loses its slot (a hung probe cannot wedge the breaker). */
  probeDeadline = 0;
  /**
   * Set while a `Retry-After` pause holds the breaker open: the state it returns to when the
   * pause ends (a pause is the host asking for time, not a verdict on its health).
   */
  resumeTo: 'closed' | 'half-open' | undefined = undefined;
  failures = 0;
  rejected = 0;
  fallbacks = 0;
}

/** The windows `failureRate` and `slowCall` ask for, or `undefined` when neither is set. */
export function windowsFor({ failureRate, slowCall }: ResolvedHostOptions['breaker']): Windows | undefined {
  if (failureRate === undefined && slowCall === undefined) return undefined;
  return {
    failure: failureRate ? (failureRate.calls > 0 ? new CountWindow(failureRate.calls) : new RollingWindow(failureRate.window)) : undefined,
    slow: slowCall ? new RollingWindow(slowCall.window) : undefined,
  };
}

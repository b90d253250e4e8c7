import type { CircuitState } from 'breakerbox';

/** One state change, as the demo records it from the box's `stateChange` events. */
export interface StateChange {
  /** Ms since the demo started. */
  at: number;
  origin: string;
  from: CircuitState;
  to: CircuitState;
  openFor?: number;
}

/** One glyph per state, readable without colour: low when healthy, full block when open. */
export const GLYPH: Record<CircuitState, string> = { closed: '▁', 'half-open': '▄', open: '█', isolated: '▓' };

// When a slot saw several states, the one that matters most to the story is shown: a
// half-open probe lasts milliseconds and would vanish otherwise.
const WEIGHT: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 3 };

/**
 * The states of `origin` over the demo's run as `width` slots (each `total / width` ms),
 * `undefined` for slots still in the future. Every breaker starts closed.
 * @example
 * ```ts
 * timelineStates(changes, origin, 6_000, 20_000, 40); // 12 slots of history, then 28 undefined
 * ```
 */
export function timelineStates(changes: readonly StateChange[], origin: string, elapsed: number, total: number, width: number): (CircuitState | undefined)[] {
  const own = changes.filter((change) => change.origin === origin);
  const slots: (CircuitState | undefined)[] = [];
  let state: CircuitState = 'closed';
  let next = 0;
  for (let i = 0; i < width; i++) {
    const start = (i * total) / width;
    const end = ((i + 1) * total) / width;
    if (start > elapsed) {
      slots.push(undefined);
      continue;
    }
    let shown = state;
    while (next < own.length && own[next]!.at < end) {
      state = own[next]!.to;
      if (WEIGHT[state] > WEIGHT[shown]) shown = state;
      next++;
    }
    slots.push(WEIGHT[state] > WEIGHT[shown] ? state : shown);
  }
  return slots;
}

import type { Clock } from '../../src/index.js';

/** A clock tests move by hand, so no test sleeps to wait out an open breaker. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(start = 1_000_000): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

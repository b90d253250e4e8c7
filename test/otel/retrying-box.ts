import { createBreakerBox, type BreakerBox } from '../../src/index.js';

/**
 * A stand-in for a box that retries: the `retry` event is typed in 0.2, and this lets a
 * test emit it (and any other event) by hand. `snapshot()` is a real, empty box's.
 */
export function createEventSource() {
  const listeners = new Map<string, (payload: unknown) => void>();
  const real = createBreakerBox();
  const box = {
    ...real,
    snapshot: () => real.snapshot(),
    on: (event: string, listener: (payload: unknown) => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
  } as unknown as BreakerBox;
  return { box, listeners, emit: (event: string, payload: unknown) => listeners.get(event)?.(payload) };
}

import type { BreakerBoxEventName, BreakerBoxEvents } from '../core/types.js';

type Listener<E extends BreakerBoxEventName> = (payload: BreakerBoxEvents[E]) => void;

/**
 * A minimal typed emitter. `has()` lets the hot path skip building a payload nobody
 * listens to, and a listener that throws is reported, never allowed to break a request.
 */
export class Emitter {
  readonly #listeners: { [E in BreakerBoxEventName]: Listener<E>[] } = { stateChange: [], fallback: [], rejected: [], outcome: [], retry: [], reset: [], isolate: [] };

  on<E extends BreakerBoxEventName>(event: E, listener: Listener<E>): () => void {
    // Own keys only: 'constructor' or 'toString' must not find Object.prototype's.
    const list = Object.hasOwn(this.#listeners, event) ? (this.#listeners[event] as Listener<E>[]) : undefined;
    if (list === undefined) {
      throw new TypeError(`event must be one of ${Object.keys(this.#listeners).map((e) => `'${e}'`).join(', ')}, got ${JSON.stringify(event)}`);
    }
    if (typeof listener !== 'function') throw new TypeError(`listener must be a function, got ${typeof listener}`);
    // Copy on write, so a listener that unsubscribes during emit() cannot skip its neighbour.
    this.#listeners[event] = [...list, listener] as never;
    return () => {
      this.#listeners[event] = (this.#listeners[event] as Listener<E>[]).filter((l) => l !== listener) as never;
    };
  }

  has(event: BreakerBoxEventName): boolean {
    return this.#listeners[event].length > 0;
  }

  emit<E extends BreakerBoxEventName>(event: E, payload: BreakerBoxEvents[E]): void {
    for (const listener of this.#listeners[event] as Listener<E>[]) {
      try {
        const returned: unknown = listener(payload);
        // An async listener that rejects would be an unhandled rejection, which ends a Node process.
        if (typeof (returned as { then?: unknown } | undefined)?.then === 'function') {
          (returned as Promise<unknown>).then(undefined, (error: unknown) => report(event, error));
        }
      } catch (error) {
        report(event, error);
      }
    }
  }
}

/** Swallowing would hide a bug in the user's listener; throwing would fail the request. */
function report(event: string, error: unknown): void {
  console.error(`breakerbox: a '${event}' listener failed; the request went on unaffected.`, error);
}

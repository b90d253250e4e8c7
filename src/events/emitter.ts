import type { BreakerBoxEventName, BreakerBoxEvents } from '../core/types.js';

type Listener<E extends BreakerBoxEventName> = (payload: BreakerBoxEvents[E]) => void;

/**
 * A minimal typed emitter. `has()` lets the hot path skip building a payload nobody
 * listens to, and a listener that throws is reported, never allowed to break a request.
 */
export class Emitter {
  readonly #listeners: { [E in BreakerBoxEventName]: Listener<E>[] } = { stateChange: [], fallback: [], rejected: [], outcome: [] };

  on<E extends BreakerBoxEventName>(event: E, listener: Listener<E>): () => void {
    const list = this.#listeners[event] as Listener<E>[] | undefined;
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
        listener(payload);
      } catch (error) {
        // Swallowing would hide a bug in the user's listener; throwing would fail the request.
        console.error(`breakerbox: a '${event}' listener threw; the request went on unaffected.`, error);
      }
    }
  }
}

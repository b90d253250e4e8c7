import type { SetupServer } from 'msw/node';
import { show } from '../../core/validate.js';

/** Requests MSW saw, per origin. See {@link countRequests}. */
export interface RequestCounter {
  /** Requests to this origin (or to the origin of this URL) since the start or the last `reset()`. */
  get(urlOrOrigin: string | URL): number;
  /** Requests to every origin. */
  total(): number;
  /** The counts by origin, e.g. `{ 'https://api.example.com': 2 }`. */
  byOrigin(): Record<string, number>;
  /** Back to zero for every origin. */
  reset(): void;
  /** Stop counting (the counts are kept). Safe to call twice. */
  dispose(): void;
}

/**
 * Count the requests that reach MSW, per origin, so a test can assert that an open
 * breaker sent nothing. It listens to `request:start`, the one life-cycle event MSW
 * emits for every request it sees: handled, unhandled, failed or aborted by the client.
 * A request that never left the client (refused by the breaker, or sent with an
 * already-aborted signal) is not counted.
 *
 * Works with `setupServer()` and `setupWorker()` alike (both have `events`).
 *
 * @example
 * ```ts
 * import { countRequests } from 'breakerbox/msw';
 *
 * const requests = countRequests(server);
 * await resilientFetch('https://api.example.com/users').catch(() => {});
 * expect(requests.get('https://api.example.com')).toBe(0); // the breaker was open
 * requests.dispose();
 * ```
 */
export function countRequests(server: Pick<SetupServer, 'events'>): RequestCounter {
  if (typeof server !== 'object' || server === null || typeof server.events?.on !== 'function') {
    throw new TypeError(`countRequests(server) expects an msw server or worker with events, got ${show(server)}`);
  }
  let counts = new Map<string, number>();
  let total = 0;
  const listener = ({ request }: { request: Request }): void => {
    const origin = new URL(request.url).origin;
    counts.set(origin, (counts.get(origin) ?? 0) + 1);
    total++;
  };
  server.events.on('request:start', listener);
  let disposed = false;
  return {
    get(urlOrOrigin) {
      return counts.get(toOrigin(urlOrOrigin)) ?? 0;
    },
    total: () => total,
    byOrigin: () => Object.fromEntries(counts),
    reset() {
      counts = new Map();
      total = 0;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      server.events.removeListener('request:start', listener);
    },
  };
}

function toOrigin(urlOrOrigin: string | URL): string {
  if (urlOrOrigin instanceof URL) return urlOrOrigin.origin;
  if (typeof urlOrOrigin !== 'string' || !URL.canParse(urlOrOrigin)) {
    throw new TypeError(`RequestCounter.get(urlOrOrigin) expects an absolute URL or origin, got ${show(urlOrOrigin)}`);
  }
  return new URL(urlOrOrigin).origin;
}

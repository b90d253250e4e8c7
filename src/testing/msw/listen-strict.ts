import { HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import { show } from '../../core/validate.js';

/** Options of {@link listenStrict}. */
export interface ListenStrictOptions {
  /**
   * Origins whose unhandled requests may go to the real network, e.g. a local
   * `node:http` server the test started on 127.0.0.1. Everything else unhandled fails.
   * @default []
   */
  passthrough?: readonly string[];
}

/** What {@link listenStrict} needs: a server (`listen`) or a browser worker (`start`). */
export type StrictTarget = Pick<SetupServer, 'listen'> | { start(options?: { onUnhandledFrame?: unknown }): Promise<unknown> };

type UnhandledFrame = { frame: { protocol: string; data: unknown }; defaults: { error(): void } };

/**
 * Start MSW so that a request without a handler is an error, never a silent trip to
 * the real network. msw 3 renamed `onUnhandledRequest` to `onUnhandledFrame` and
 * silently ignores the old name (unhandled requests then reach the network with a
 * mere warning), so this sets the new one. Returns what `listen()`/`start()` returns.
 *
 * @example
 * ```ts
 * import { setupServer } from 'msw/node';
 * import { listenStrict } from 'breakerbox/msw';
 *
 * const server = setupServer();
 * beforeAll(() => listenStrict(server));
 * afterAll(() => server.close());
 * ```
 */
export function listenStrict(target: StrictTarget, options: ListenStrictOptions = {}): void | Promise<unknown> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`listenStrict options must be an object, got ${show(options)}`);
  if ('onUnhandledRequest' in options) {
    throw new TypeError('listenStrict options.onUnhandledRequest is the msw 2 name, which msw 3 ignores; listenStrict already errors on unhandled requests, got onUnhandledRequest');
  }
  const allowed = new Set((options.passthrough ?? []).map((origin, i) => toOrigin(i, origin)));
  const onUnhandledFrame =
    allowed.size === 0
      ? 'error'
      : async ({ frame, defaults }: UnhandledFrame) => {
          if (frame.protocol === 'http' && allowed.has(new URL((frame.data as { request: Request }).request.url).origin)) return;
          await defaults.error();
          // msw turns a thrown Error into a 500 response, but a thrown error Response
          // into a network error, which is what its own 'error' strategy gives.
          throw HttpResponse.error();
        };
  if (typeof target === 'object' && target !== null && 'listen' in target && typeof target.listen === 'function') {
    return target.listen({ onUnhandledFrame });
  }
  if (typeof target === 'object' && target !== null && 'start' in target && typeof target.start === 'function') {
    return target.start({ onUnhandledFrame });
  }
  throw new TypeError(`listenStrict(target) expects an msw server (setupServer) or worker (setupWorker), got ${show(target)}`);
}

function toOrigin(index: number, origin: unknown): string {
  if (typeof origin !== 'string' || !URL.canParse(origin)) {
    throw new TypeError(`listenStrict options.passthrough[${index}] must be an absolute URL or origin, got ${show(origin)}`);
  }
  return new URL(origin).origin;
}

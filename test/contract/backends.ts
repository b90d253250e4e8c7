import { delay, http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import { startLocalServer } from '../helpers/local-server.js';

/** What the failing host does now. `network` is a dropped connection (MSW's network error, a TCP reset on the real server). */
export type Health = 'ok' | 'error503' | { retryAfter: number } | 'network' | 'hang' | { status: number };

/** A host a scenario talks to: MSW handlers or a real local node:http server, flipped between healthy and failing. */
export interface Backend {
  origin: string;
  set(health: Health): void;
  /** Requests that reached the host (MSW's `request:start`, or the server's own count). */
  hits(): number;
  close(): Promise<void>;
}

export interface BackendKind {
  name: string;
  create(label: string): Promise<Backend>;
}

/** MSW backends share one server; each gets its own origin and request counter. */
export function mswBackends(server: SetupServer): BackendKind {
  let next = 0;
  return {
    name: 'msw',
    async create(label) {
      const origin = `https://${label}-${next++}.contract.test`;
      let health: Health = 'ok';
      let hits = 0;
      const count = ({ request }: { request: Request }) => {
        if (new URL(request.url).origin === origin) hits++;
      };
      server.events.on('request:start', count);
      server.use(
        http.all(`${origin}/*`, async ({ request }) => {
          const path = new URL(request.url).pathname;
          if (health === 'ok') return HttpResponse.text(`ok ${path}`);
          if (health === 'error503') return new HttpResponse('down', { status: 503 });
          if (health === 'network') return HttpResponse.error();
          if (health === 'hang') {
            await delay('infinite');
            return HttpResponse.text('never');
          }
          if ('retryAfter' in health) return new HttpResponse('busy', { status: 503, headers: { 'retry-after': String(health.retryAfter) } });
          return new HttpResponse(`status ${health.status}`, { status: health.status });
        }),
      );
      return {
        origin,
        set: (h) => {
          health = h;
        },
        hits: () => hits,
        close: async () => {
          server.events.removeListener('request:start', count);
        },
      };
    },
  };
}

export const realBackends: BackendKind = {
  name: 'node:http',
  async create() {
    const server = await startLocalServer();
    return {
      origin: server.origin,
      set(health) {
        if (health === 'ok') server.setMode('normal');
        else if (health === 'error503') server.setMode({ status: 503 });
        else if (health === 'network') server.setMode('reset');
        else if (health === 'hang') server.setMode('hang');
        else if ('retryAfter' in health) server.setMode({ status: 503, retryAfter: String(health.retryAfter) });
        else server.setMode({ status: health.status });
      },
      hits: server.hits,
      close: server.close,
    };
  },
};

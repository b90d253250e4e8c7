import { delay, http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import { listenLoopback } from '../helpers/listen-loopback.js';
import { bodyChunks, type BodyHealth, isBodyHealth } from './bodies.js';

/**
 * What the failing host does now. `network` is a dropped connection (MSW's network error, a
 * TCP reset on the real server). `ok` answers `ok <path> <user>`, where the user is the
 * request's `x-api-key` or `proxy-authorization` (so a scenario sees whose answer it got);
 * `{ okHeaders }` is the same answer with extra response headers.
 */
export type Health = 'ok' | 'error503' | { retryAfter: number } | 'network' | 'hang' | { status: number } | { okHeaders: Record<string, string> } | { failFirst: number } | BodyHealth;

/** `{ failFirst: n }`: the next n requests get a 503, then the host is healthy. Resolved per request. */
function current(health: Health, served: number): Health {
  if (typeof health === 'object' && 'failFirst' in health) return served < health.failFirst ? 'error503' : 'ok';
  return health;
}

const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-transform' };

function okText(request: { url: string; header(name: string): string | null | undefined }): string {
  const user = request.header('x-api-key') ?? request.header('proxy-authorization') ?? 'anyone';
  return `ok ${new URL(request.url, 'http://local').pathname} ${user}`;
}

/** A host a scenario talks to: MSW handlers or a real local node:http server, flipped between healthy and failing. */
export interface Backend {
  origin: string;
  set(health: Health): void;
  /** Requests that reached the host (MSW's `request:start`, or the server's own count). */
  hits(): number;
  /** Body streams the host is still writing (the client has not let go of them). */
  openStreams(): number;
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
      let configured: Health = 'ok';
      let flaky = 0;
      let hits = 0;
      let openStreams = 0;
      const count = ({ request }: { request: Request }) => {
        if (new URL(request.url).origin === origin) hits++;
      };
      server.events.on('request:start', count);
      server.use(
        http.all(`${origin}/*`, async ({ request }) => {
          const health = current(configured, flaky++);
          const echo = okText({ url: request.url, header: (name) => request.headers.get(name) });
          if (health === 'ok') return HttpResponse.text(echo);
          if (typeof health === 'object' && 'okHeaders' in health) return HttpResponse.text(echo, { headers: health.okHeaders });
          if (isBodyHealth(health)) {
            const current = health;
            let stopped = false;
            let chunks: AsyncGenerator<string, string> | undefined;
            const encoder = new TextEncoder();
            openStreams++;
            const done = () => {
              if (!stopped) openStreams--;
              stopped = true;
            };
            const body = new ReadableStream<Uint8Array>({
              async pull(controller) {
                chunks ??= bodyChunks(current, () => stopped);
                const next = await chunks.next();
                if (!next.done) return controller.enqueue(encoder.encode(next.value));
                if (next.value === 'reset') {
                  done();
                  return controller.error(new TypeError('terminated'));
                }
                if (next.value === 'stall') return new Promise<void>(() => {});
                done();
                controller.close();
              },
              cancel: done,
            });
            return new HttpResponse(body, { headers: current === 'endless' ? SSE : { 'content-type': 'text/plain' } });
          }
          if (health === 'error503') return new HttpResponse('down', { status: 503 });
          if (health === 'network') return HttpResponse.error();
          if (health === 'hang') {
            await delay('infinite');
            return HttpResponse.text('never');
          }
          if ('retryAfter' in health) return new HttpResponse('busy', { status: 503, headers: { 'retry-after': String(health.retryAfter) } });
          if ('status' in health) return new HttpResponse(`status ${health.status}`, { status: health.status });
          return new HttpResponse('unknown health', { status: 500 });
        }),
      );
      return {
        origin,
        set: (h) => {
          configured = h;
          flaky = 0;
        },
        hits: () => hits,
        openStreams: () => openStreams,
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
    let configured: Health = 'ok';
    let flaky = 0;
    let hits = 0;
    let openStreams = 0;
    const server = await listenLoopback((req, res) => {
      hits++;
      const now = current(configured, flaky++);
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      if (now === 'ok') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(okText({ url: req.url ?? '/', header }));
      if (now === 'network') return void req.socket.resetAndDestroy();
      // A hang never answers; close() ends the connection.
      if (now === 'hang') return;
      if (now === 'error503') return void res.writeHead(503).end('down');
      if (typeof now === 'object' && 'okHeaders' in now) return void res.writeHead(200, { 'content-type': 'text/plain', ...now.okHeaders }).end(okText({ url: req.url ?? '/', header }));
      if (typeof now === 'object' && 'retryAfter' in now) return void res.writeHead(503, { 'retry-after': String(now.retryAfter) }).end('busy');
      if (typeof now === 'object' && 'status' in now) return void res.writeHead(now.status).end(`status ${now.status}`);
      if (!isBodyHealth(now)) return void res.writeHead(500).end('unknown health');
      const body = now;
      // Body behaviours: headers at once, then the chunks as they come; 'close' tells when the client let go.
      let stopped = false;
      openStreams++;
      res.on('close', () => {
        stopped = true;
        openStreams--;
      });
      res.writeHead(200, body === 'endless' ? SSE : { 'content-type': 'text/plain' });
      res.flushHeaders();
      void (async () => {
        const chunks = bodyChunks(body, () => stopped);
        for (;;) {
          const next = await chunks.next();
          if (stopped) return;
          if (!next.done) {
            res.write(next.value);
            continue;
          }
          if (next.value === 'reset') req.socket.resetAndDestroy();
          else if (next.value === 'end') res.end();
          return;
        }
      })();
    });
    return {
      origin: server.origin,
      set(next) {
        configured = next;
        flaky = 0;
      },
      hits: () => hits,
      openStreams: () => openStreams,
      close: server.close,
    };
  },
};

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenLoopback } from './listen-loopback.js';

/**
 * How the local server answers. Routes by path:
 * - `/ok` (and anything unknown): 200 JSON `{ ok: true, path }`
 * - `/status/503?retryAfter=7`: that status, with `Retry-After` when asked
 * - `/reset`: destroys the socket before any response (RST)
 * - `/hang`: never answers (until the server closes)
 * `mode` overrides every path, to flip a whole origin between healthy and failing.
 */
export type ServerMode = 'normal' | 'reset' | 'hang' | { status: number; retryAfter?: string };

export interface LocalServer {
  /** e.g. `http://127.0.0.1:40123` */
  origin: string;
  /** Requests that reached the server, all paths. */
  hits(): number;
  setMode(mode: ServerMode): void;
  close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
  let hits = 0;
  let mode: ServerMode = 'normal';
  const server = await listenLoopback((req, res, url) => {
    hits++;
    const route = mode !== 'normal' ? mode : routeOf(url);
    if (route === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    // A hang never answers; close() ends the connection.
    if (route === 'hang') return;
    if (typeof route === 'object') {
      res.writeHead(route.status, route.retryAfter === undefined ? {} : { 'retry-after': route.retryAfter });
      res.end(`status ${route.status}`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: url.pathname }));
  });
  return {
    origin: server.origin,
    hits: () => hits,
    setMode(next) {
      mode = next;
    },
    close: server.close,
  };
}

function routeOf(url: URL): ServerMode {
  const path = url.pathname;
  if (path === '/reset') return 'reset';
  if (path === '/hang') return 'hang';
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) {
    const retryAfter = url.searchParams.get('retryAfter');
    return retryAfter === null ? { status: Number(status[1]) } : { status: Number(status[1]), retryAfter };
  }
  return 'normal';
}

/** A loopback port with nothing listening: connecting to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How the chaos server behaves now:
 * - `healthy`: 200 JSON for every path;
 * - `refused`: not listening at all (the port stays reserved for us by re-listening on it later);
 * - `reset`: destroys the socket before any response (RST);
 * - `hang`: accepts the request and never answers;
 * - `{ status, retryAfter? }`: that status, with `Retry-After` seconds when given;
 * - `{ flapping }`: a pattern of `x` (500) and `.` (200), repeating per request.
 */
export type ChaosPhase = 'healthy' | 'refused' | 'reset' | 'hang' | { status: number; retryAfter?: number } | { flapping: string };

export interface ChaosServer {
  /** Stable across phases, `refused` included. */
  readonly origin: string;
  /** Requests that reached the server since it started. */
  hits(): number;
  phase(): ChaosPhase;
  setPhase(phase: ChaosPhase): Promise<void>;
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1 that can be switched between kinds of failure, keeping its port. */
export async function startChaosServer(): Promise<ChaosServer> {
  let phase: ChaosPhase = 'healthy';
  let hits = 0;
  let flaps = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    hits++;
    if (phase === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (phase === 'hang') {
      hanging.add(res);
      return;
    }
    let status = 200;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof phase === 'object' && 'status' in phase) {
      status = phase.status;
      if (phase.retryAfter !== undefined) headers['retry-after'] = String(phase.retryAfter);
    } else if (typeof phase === 'object') {
      status = phase.flapping[flaps++ % phase.flapping.length] === 'x' ? 500 : 200;
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify({ status, path: req.url }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const endHanging = (): void => {
    for (const res of hanging) res.socket?.destroy();
    hanging.clear();
  };
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      endHanging();
      for (const socket of sockets) socket.destroy();
    });

  return {
    origin: `http://127.0.0.1:${port}`,
    hits: () => hits,
    phase: () => phase,
    async setPhase(next) {
      // Idle keep-alive connections stay: each request reads the phase anew, and killing
      // them here would fail the client's next request on a socket it still thinks is good.
      endHanging();
      flaps = 0;
      if (next === 'refused') await stop();
      else if (!server.listening) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      phase = next;
    },
    close: stop,
  };
}

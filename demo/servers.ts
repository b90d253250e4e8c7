import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the flaky server answers right now. */
export type Health = 'healthy' | 'failing' | 'hanging';

export interface DemoServer {
  origin: string;
  /** Requests that reached this server. */
  hits(): number;
  setHealth(health: Health): void;
  close(): Promise<void>;
}

/**
 * A loopback server answering small JSON documents. `failing` answers 503, `hanging`
 * never answers (until close), so the breaker meets both kinds of outage.
 */
export async function startDemoServer(name: string): Promise<DemoServer> {
  let health: Health = 'healthy';
  let hits = 0;
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    hits++;
    if (health === 'hanging') {
      hanging.add(response);
      return;
    }
    if (health === 'failing') {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.end(`${name} is overloaded`);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ server: name, path: request.url, at: Date.now() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    setHealth(next) {
      health = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

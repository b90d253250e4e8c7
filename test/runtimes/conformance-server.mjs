/**
 * The loopback server the runtime conformance checks (test/runtimes/conformance.ts) call,
 * run by Node in scripts/test-runtimes.mjs. Plain JavaScript, so it needs no type stripping.
 *
 * - `GET /data/<path>`: 200 JSON `{ path }` while healthy, 503 while failing
 * - `GET /hang`: never answers; the connection ends when the client aborts or the server closes
 * - `POST /__control/healthy`, `POST /__control/failing`: switch; `GET /__control/hits`: how
 *   many non-control requests arrived so far (to prove an open breaker sent nothing)
 */
import { createServer } from 'node:http';

/**
 * Starts the server on 127.0.0.1 and a free port.
 * @returns {Promise<{ origin: string; close(): Promise<void> }>}
 * @example
 * const server = await startConformanceServer();
 * console.log(server.origin); // http://127.0.0.1:40123
 * await server.close();
 */
export async function startConformanceServer() {
  let health = 'healthy';
  let hits = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const control = /^\/__control\/(healthy|failing|hits)$/.exec(path);
    if (control) {
      if (control[1] !== 'hits') health = control[1];
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(String(hits));
      return;
    }
    hits++;
    if (path === '/hang') return;
    if (health === 'failing') {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.end('failing on purpose');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path }));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

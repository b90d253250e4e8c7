import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';

/** The origin the page calls: JSON while healthy, 503 while failing, CORS open to the page. */
export interface ApiServer extends LoopbackServer {
  setHealthy(healthy: boolean): void;
  /** Requests that reached it, by path (CORS preflights are not counted). */
  hitsByPath(): Record<string, number>;
  total(): number;
}

export async function startApiServer(): Promise<ApiServer> {
  let healthy = true;
  let served = 0;
  const hits: Record<string, number> = {};
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST' };
  const server = await listenLoopback((req, res, url) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    hits[url.pathname] = (hits[url.pathname] ?? 0) + 1;
    if (!healthy) {
      res.writeHead(503, { ...cors, 'content-type': 'text/plain' }).end('down for the test');
      return;
    }
    served++;
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ served, path: url.pathname }));
  });
  return {
    ...server,
    setHealthy(next) {
      healthy = next;
    },
    hitsByPath: () => ({ ...hits }),
    total: () => Object.values(hits).reduce((sum, n) => sum + n, 0),
  };
}

/**
 * The page's own origin: the HTML, the bundled scenario, and two control routes the
 * page uses (with the unpatched fetch) to flip the API origin and read its hit count.
 */
export async function startPageServer(bundle: string, api: ApiServer): Promise<LoopbackServer> {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="api-origin" content="${api.origin}">
<title>breakerbox in Chromium</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 24px; color: #1d2330; }
  h1 { font-size: 20px; } .pass { color: #17692c; } .fail { color: #b3261e; }
  table { border-collapse: collapse; } td { border-bottom: 1px solid #dde; padding: 6px 10px; vertical-align: top; }
  td:last-child { color: #555; font-family: ui-monospace, monospace; font-size: 13px; }
</style></head>
<body><main id="report">Running…</main><script type="module" src="/scenario.js"></script></body></html>`;
  return listenLoopback((req, res, url) => {
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (url.pathname === '/scenario.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else if (url.pathname === '/control/api' && req.method === 'POST') {
      api.setHealthy(url.searchParams.get('healthy') === 'true');
      res.writeHead(204).end();
    } else if (url.pathname === '/control/api-hits') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total: api.total() }));
    } else {
      res.writeHead(404).end();
    }
  });
}

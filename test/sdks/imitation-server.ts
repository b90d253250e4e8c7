import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback } from '../helpers/listen-loopback.js';
import type { BreakerBox } from '../../src/index.js';

/** The request an imitation route sees: method, path, query and the whole body as text. */
export interface ImitationRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What a route answers: a status (200 unless given), headers, and a JSON body. */
export interface ImitationReply {
  status?: number;
  headers?: Record<string, string>;
  json: unknown;
  /** Instead of `json`: server-sent events, one `data:` line each, `interval` ms apart (headers at once). */
  events?: { data: readonly string[]; interval: number };
}

/**
 * How the whole imitation behaves now:
 * - `healthy`: every request goes to the SDK's routes;
 * - `failing`: every request gets the SDK's failure reply (a 500 in its own error shape);
 * - `hanging`: requests are read and never answered (until `close()`).
 */
export type ImitationHealth = 'healthy' | 'failing' | 'hanging';

export interface ImitationServer {
  /** e.g. `http://127.0.0.1:40123` */
  readonly origin: string;
  /** Requests that reached the server since it started (every health). */
  hits(): number;
  /** Requests by `METHOD /path`, in arrival order. */
  log(): readonly string[];
  setHealth(health: ImitationHealth): void;
  close(): Promise<void>;
}

/**
 * A local imitation of an SDK's API on node:http, 127.0.0.1, port 0: it answers the
 * routes the SDK calls with plausible JSON, counts every request that reaches it, and can
 * be switched to failing or hanging for the whole origin.
 *
 * @param route - The SDK's routes; return `undefined` for a 404.
 * @param failure - The reply while `failing`, in the SDK's own error shape.
 */
export async function startImitation(route: (request: ImitationRequest) => ImitationReply | undefined, failure: ImitationReply): Promise<ImitationServer> {
  let health: ImitationHealth = 'healthy';
  let hits = 0;
  const log: string[] = [];
  const server = await listenLoopback((req, res, url) => {
    hits++;
    log.push(`${req.method} ${url.pathname}`);
    if (health === 'hanging') return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = health === 'failing' ? failure : (route({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }) ?? { status: 404, json: { message: 'Not Found' } });
      if (reply.events !== undefined) {
        streamEvents(res, reply.status ?? 200, reply.headers, reply.events);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.json));
    });
  });
  return {
    origin: server.origin,
    hits: () => hits,
    log: () => log,
    setHealth(next) {
      health = next;
    },
    close: server.close,
  };
}

/** Writes the headers at once, then one event per `interval` ms; stops early when the client goes. */
function streamEvents(res: ServerResponse, status: number, headers: Record<string, string> | undefined, { data, interval }: { data: readonly string[]; interval: number }): void {
  res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  res.flushHeaders();
  let sent = 0;
  const timer = setInterval(() => {
    if (sent === data.length) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(`data: ${data[sent++]!}\n\n`);
  }, interval);
  res.on('close', () => clearInterval(timer));
}

/** How long a call took and how it ended. */
export interface Timed<T> {
  ms: number;
  value?: T;
  error?: unknown;
}

/** Runs `call` and measures it; never throws (the error is in the result). */
export async function timed<T>(call: () => PromiseLike<T>): Promise<Timed<T>> {
  const started = performance.now();
  try {
    const value = await call();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/**
 * Makes the imitation fail and calls through the SDK until the origin's breaker is open,
 * as a user's traffic would. Throws if it is still not open after `maxCalls` calls.
 */
export async function tripThroughSdk(box: BreakerBox, server: ImitationServer, call: () => PromiseLike<unknown>, maxCalls = 10): Promise<number> {
  server.setHealth('failing');
  for (let calls = 1; calls <= maxCalls; calls++) {
    // Query builders (postgrest-js) are thenables, not promises.
    await Promise.resolve().then(call).catch(() => undefined);
    if (box.state(server.origin) === 'open') return calls;
  }
  throw new Error(`the breaker for ${server.origin} was still ${box.state(server.origin)} after ${maxCalls} failing calls`);
}

/**
 * The cascade load generator, in its own process: a fixed number of keep-alive
 * connections per route, each sending its next GET as soon as the last one is answered
 * (closed loop), for a fixed time. Records every request: route, start (epoch ms),
 * latency (ms) and status (0 for a transport error).
 *
 * `node bench/cascade-load.mjs <servicePort> <durationMs> <connectionsPerRoute>`
 * Sends `{ type: 'started', at }`, then `{ type: 'done', records }` (a Float64Array of
 * 4 numbers per request; the parent forks it with `serialization: 'advanced'`).
 */
import { Agent, request } from 'node:http';

const [port, durationMs, connections] = process.argv.slice(2).map(Number);
const ROUTES = ['/healthy', '/dying'];
/** A request the service has not answered by then counts as an error (status 0); no contender should get near it. */
const REQUEST_TIMEOUT_MS = 15_000;
const now = () => performance.timeOrigin + performance.now();

let records = new Float64Array(4 * 65_536);
let count = 0;
function record(route, start, latency, status) {
  if (4 * (count + 1) > records.length) {
    const grown = new Float64Array(records.length * 2);
    grown.set(records);
    records = grown;
  }
  records.set([route, start, latency, status], 4 * count++);
}

function send(agent, route) {
  return new Promise((resolve) => {
    const start = now();
    const done = (status) => {
      record(route, start, now() - start, status);
      resolve();
    };
    const req = request({ host: '127.0.0.1', port, path: ROUTES[route], agent }, (response) => {
      response.resume();
      response.on('end', () => done(response.statusCode));
      response.on('error', () => done(0));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('load generator timeout')));
    req.on('error', () => done(0));
    req.end();
  });
}

async function worker(agent, route, until) {
  while (now() < until) await send(agent, route);
}

const agents = ROUTES.map(() => new Agent({ keepAlive: true, maxSockets: connections }));
const startedAt = now();
process.send({ type: 'started', at: startedAt });
const until = startedAt + durationMs;
await Promise.all(agents.flatMap((agent, route) => Array.from({ length: connections }, () => worker(agent, route, until))));
for (const agent of agents) agent.destroy();
process.send({ type: 'done', records: records.subarray(0, 4 * count) }, () => process.disconnect());

/**
 * The cascade load generator, in its own process, in one of two modes:
 * - `closed`: a fixed number of keep-alive connections per route, each sending its next
 *   GET as soon as the last one is answered, for a fixed time: the saturated throughput.
 * - `paced`: a fixed rate of GETs per route, sent on schedule whatever happens to earlier
 *   ones (open loop, as real callers arrive), each timed from the moment it was due, so
 *   a stalled service cannot hide its queue (no coordinated omission).
 *
 * `node bench/cascade-load.mjs <servicePort> <durationMs> closed <connectionsPerRoute>`
 * `node bench/cascade-load.mjs <servicePort> <durationMs> paced <requestsPerSecondPerRoute>`
 * Records every request: route, start (epoch ms), latency (ms), status (0 for a transport
 * error). Sends `{ type: 'started', at }`, then `{ type: 'done', records }` (a Float64Array
 * of 4 numbers per request; the parent forks it with `serialization: 'advanced'`).
 */
import { Agent, request } from 'node:http';

const [portArg, durationArg, mode, amountArg] = process.argv.slice(2);
const port = Number(portArg);
const durationMs = Number(durationArg);
const amount = Number(amountArg);
if (mode !== 'closed' && mode !== 'paced') throw new Error(`usage: cascade-load.mjs <port> <durationMs> closed|paced <amount>, got mode ${mode}`);
const ROUTES = ['/healthy', '/dying'];
/** A request the service has not answered by then counts as an error (status 0); no contender should get near it. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Paced mode: how often due requests are sent. */
const TICK_MS = 2;
const now = () => performance.timeOrigin + performance.now();

let records = new Float64Array(4 * 65_536);
let count = 0;
function record(route, start, latency, status) {
  if (4 * (count + 1) > records.length) {
    const grown = new Float64Array(records.length * 2);
    grown.set(records);
    records = grown;
  }
  const at = 4 * count++;
  records[at] = route;
  records[at + 1] = start;
  records[at + 2] = latency;
  records[at + 3] = status;
}

/** Sends one GET; its latency counts from `due` (the send time in closed mode, the schedule in paced mode). */
function send(agent, route, due = now()) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status) => {
      if (settled) return;
      settled = true;
      record(route, due, now() - due, status);
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

async function closedLoop(until) {
  const agents = ROUTES.map(() => new Agent({ keepAlive: true, maxSockets: amount }));
  const worker = async (agent, route) => {
    while (now() < until) await send(agent, route);
  };
  await Promise.all(agents.flatMap((agent, route) => Array.from({ length: amount }, () => worker(agent, route))));
  for (const agent of agents) agent.destroy();
}

async function paced(startedAt, until) {
  // As many sockets as requests in flight: a hung route must not delay the next ones.
  const agents = ROUTES.map(() => new Agent({ keepAlive: true, maxSockets: Infinity }));
  const interval = 1000 / amount;
  const inFlight = new Set();
  let next = startedAt;
  await new Promise((resolve) => {
    const tick = () => {
      const t = now();
      for (; next <= t && next < until; next += interval) {
        for (let route = 0; route < ROUTES.length; route++) {
          const sent = send(agents[route], route, next);
          inFlight.add(sent);
          sent.then(() => inFlight.delete(sent));
        }
      }
      if (next < until) setTimeout(tick, TICK_MS);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  for (const agent of agents) agent.destroy();
}

const startedAt = now();
process.send({ type: 'started', at: startedAt });
const until = startedAt + durationMs;
await (mode === 'closed' ? closedLoop(until) : paced(startedAt, until));
process.send({ type: 'done', records: records.subarray(0, 4 * count) }, () => process.disconnect());

/**
 * The cascade service, in its own process: a node:http server with two routes, each
 * calling its own dependency through one contender. `/healthy` calls the dependency
 * that stays up, `/dying` the one that goes down. A dependency's answer is passed on
 * with 200; any failure (timeout, refusal, error status) is answered at once with a 503,
 * the way a service degrades one feature instead of failing whole.
 *
 * `node --import ./scripts/register-source.mjs bench/cascade-service.mjs <contender> <healthyPort> <dyingPort>`
 * Sends `{ port }` once listening, and `{ cpuUs }` (its CPU time) when asked with 'cpu'.
 */
import { createServer } from 'node:http';
import { contenders } from './cascade-contenders.mjs';

const [name, healthyPort, dyingPort] = process.argv.slice(2);
const settings = {
  timeoutMs: Number(process.env.CASCADE_TIMEOUT_MS ?? 2500),
  openMs: Number(process.env.CASCADE_OPEN_MS ?? 2000),
  failures: 5,
};
const make = contenders[name];
if (make === undefined) throw new Error(`usage: cascade-service.mjs ${Object.keys(contenders).join('|')} <healthyPort> <dyingPort>, got ${name}`);
const call = make(settings);
const targets = {
  '/healthy': `http://127.0.0.1:${healthyPort}/items`,
  '/dying': `http://127.0.0.1:${dyingPort}/items`,
};
const degraded = '{"degraded":true}';

const server = createServer(async (request, response) => {
  const target = targets[request.url];
  if (target === undefined) {
    response.writeHead(404).end();
    return;
  }
  try {
    const text = await call(target);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    response.end(text);
  } catch {
    response.writeHead(503, { 'content-type': 'application/json', 'content-length': degraded.length });
    response.end(degraded);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));

process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', cpuUs: user + system });
  }
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
  // Timers of hung dependency calls (bare fetch waiting out its timeout) must not hold the process.
  setTimeout(() => process.exit(0), 100).unref();
});

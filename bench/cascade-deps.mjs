/**
 * The two dependencies of the cascade service, in their own process: `healthy` always
 * answers at once; `dying` answers at once until told to fail, then either hangs
 * (`hang`: holds every request until it heals) or answers 503 after 2 s (`slow-503`).
 *
 * IPC from the parent: `{ type: 'fail', mode }`, `{ type: 'heal' }`, `{ type: 'counts' }`.
 * Every message is answered with `{ type, at, counts }` (`at`: epoch ms when it took effect),
 * so the parent learns the exact times of the outage. `counts` are the requests that
 * reached the dying host in each phase. Exits when the parent disconnects.
 */
import { createServer } from 'node:http';

const SLOW_503_MS = 2000;
const body = JSON.stringify({ items: [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }] });
const now = () => performance.timeOrigin + performance.now();

let mode = 'ok';
/** Requests that reached the dying host, by the phase they arrived in. */
const counts = { before: 0, outage: 0, after: 0 };
let phase = 'before';
/** Hung requests, answered when the host heals (or dropped when their client leaves). */
const held = new Set();

function answer(response, status = 200) {
  if (response.destroyed || response.writableEnded) return;
  const text = status === 200 ? body : '{"error":"unavailable"}';
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function listen(handler) {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const healthy = await listen((_request, response) => answer(response));
const dying = await listen((request, response) => {
  counts[phase]++;
  if (mode === 'ok') return answer(response);
  if (mode === 'hang') {
    held.add(response);
    response.on('close', () => held.delete(response));
    return;
  }
  const timer = setTimeout(() => answer(response, 503), SLOW_503_MS);
  response.on('close', () => clearTimeout(timer));
});

process.on('message', (message) => {
  if (message.type === 'fail') {
    mode = message.mode;
    phase = 'outage';
  } else if (message.type === 'heal') {
    mode = 'ok';
    phase = 'after';
    for (const response of held) answer(response);
    held.clear();
  }
  process.send({ type: message.type, at: now(), counts: { ...counts } });
});

process.send({ type: 'ready', healthy: healthy.address().port, dying: dying.address().port });
process.on('disconnect', () => {
  for (const server of [healthy, dying]) {
    server.closeAllConnections();
    server.close();
  }
});

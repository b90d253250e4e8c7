/**
 * The P4 server: a plain node:http server on loopback, in its own process so the client
 * process measures only the client. Answers every request with a small JSON body.
 * Sends `{ port }` to its parent over IPC once listening; exits when the parent disconnects.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ items: [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }] });
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close();
});

/**
 * Loaded by scripts/run-examples.mjs into every example: a connection to anything but
 * loopback throws, so an example that quietly needs the network fails in CI instead of
 * passing on a developer's machine. MSW intercepts before any socket, so it is unaffected.
 */
import net from 'node:net';

const loopback = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(...args) {
  // Node calls this with (options, cb), (port, host, cb), (path, cb) or, internally, [options, cb].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const host = typeof first === 'object' && first !== null ? first.host : typeof args[1] === 'string' ? args[1] : undefined;
  const ipc = typeof first === 'string' || (typeof first === 'object' && first !== null && first.path !== undefined);
  if (!ipc && host !== undefined && !loopback.has(host)) {
    throw new Error(`Failed to connect to ${host}: examples must run offline. Please start a local server in the example, or answer with MSW.`);
  }
  return connect.apply(this, args);
};

import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis, to simulate a network partition between one replica and
 * Redis while the others still reach it:
 * - `cut()` drops every connection (RST) and refuses new ones at once, until `heal()`;
 * - `blackhole()` keeps connections open but forwards nothing either way (packets lost,
 *   no RST: what a real partition looks like to a client), until `heal()`.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: 'pass' | 'cut' | 'blackhole' = 'pass';
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((inbound) => {
    if (mode === 'cut') {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    // Forward by hand (not pipe) so a black hole can drop bytes without closing anything.
    inbound.on('data', (chunk) => mode === 'pass' && outbound.write(chunk));
    outbound.on('data', (chunk) => mode === 'pass' && inbound.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cut = () => {
    mode = 'cut';
    for (const [inbound, outbound] of pairs) {
      inbound.resetAndDestroy();
      outbound.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    cut,
    blackhole() {
      mode = 'blackhole';
    },
    heal() {
      // Connections that lived through a black hole lost bytes mid-stream: a client cannot
      // trust them, so they go, as they would once TCP gave up on a real partition.
      if (mode === 'blackhole') cut();
      mode = 'pass';
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createBreakerBox, type BreakerBox } from '../../../src/index.js';
import { shareOpenState } from '../../../src/redis/index.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { waitUntil } from './wait.js';

/** One replica of a sharing test: its box and the two connections it shares through. */
export interface Replica {
  readonly box: BreakerBox;
  readonly client: Redis;
  readonly subscriber: Redis;
  /** Stop its sharing now (as if it were away), before the test ends. */
  stop(): void;
}

/** What {@link sharingFixture} gives each test: a real Redis, a fresh prefix, and replicas on it. */
export interface SharingFixture {
  readonly redis: RedisServer;
  /** A connection of the test's own, to look at and change what Redis holds. */
  readonly admin: Redis;
  /** This test's prefix: every test shares under its own. */
  readonly prefix: string;
  /** A fresh connection (to `port`, e.g. a proxy's), closed after the file; it retries every 20 ms. */
  connect(port?: number): Redis;
  /** How many connections are subscribed to this test's channel. */
  channelSubscribers(): Promise<number>;
  /** A box sharing through `client` and a fresh subscriber, once it is subscribed, its client ready, and its first key read answered. */
  sharing(client?: Redis): Promise<Replica>;
  /** Start sharing `box` (stopped after the test, or by the function returned), without waiting for anything. */
  share(box: BreakerBox, client: Redis, subscriber: Redis): () => void;
  /** A TCP proxy in front of the Redis, closed after the test. */
  proxy(): Promise<TcpProxy>;
  /** Cut `proxies` and wait until each of `replicas` sees both its connections gone. */
  cutOff(proxies: TcpProxy | readonly TcpProxy[], ...replicas: Replica[]): Promise<void>;
}

/**
 * Registers the hooks of a file of sharing tests (a `redis-server` for the file, a prefix
 * per test, every sharing stopped and proxy closed after each) and returns the fixture.
 *
 * @example
 * ```ts
 * const fixture = sharingFixture('races');
 * it('...', async () => {
 *   const a = await fixture.sharing();
 *   a.box.isolate('https://api.example.com');
 * });
 * ```
 */
export function sharingFixture(name: string): SharingFixture {
  let redis: RedisServer;
  let admin: Redis;
  let prefix = '';
  let run = 0;
  const connections: Redis[] = [];
  const stops: (() => void)[] = [];
  const proxies: TcpProxy[] = [];

  const connect = (port = redis.port): Redis => {
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 20 });
    client.on('error', () => {});
    connections.push(client);
    return client;
  };
  const channelSubscribers = async () => Number(((await admin.pubsub('NUMSUB', `${prefix}open-state`)) as [string, number])[1]);
  const share = (box: BreakerBox, client: Redis, subscriber: Redis) => {
    const stop = shareOpenState(box, { client, subscriber, prefix });
    stops.push(stop);
    return stop;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = connect();
  });
  beforeEach(() => {
    prefix = `${name}${++run}:`;
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await redis.ensureRunning();
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await redis?.stop();
  });

  return {
    get redis() {
      return redis;
    },
    get admin() {
      return admin;
    },
    get prefix() {
      return prefix;
    },
    connect,
    channelSubscribers,
    share,
    async sharing(client = connect()) {
      const box = createBreakerBox();
      const subscriber = connect(Number(client.options.port));
      const before = await channelSubscribers();
      const stop = share(box, client, subscriber);
      await waitUntil('the subscription', async () => (await channelSubscribers()) === before + 1 && client.status === 'ready');
      // The read the start made has answered (no key to find yet, or the ones the test wrote).
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { box, client, subscriber, stop };
    },
    async proxy() {
      const proxy = await startTcpProxy(redis.port);
      proxies.push(proxy);
      return proxy;
    },
    async cutOff(cut, ...replicas) {
      for (const proxy of Array.isArray(cut) ? cut : [cut as TcpProxy]) proxy.cut();
      await waitUntil('the replicas cut off', () => replicas.every((r) => r.client.status !== 'ready' && r.subscriber.status !== 'ready'));
    },
  };
}

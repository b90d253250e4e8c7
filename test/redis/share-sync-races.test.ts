import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import { shareOpenState } from '../../src/redis/index.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { waitUntil } from './helpers/wait.js';

/**
 * A replica reads every origin's key when it (re)connects, while signals keep arriving on the
 * channel. These tests hold a key read's answer back on purpose (a busy machine does the
 * same by accident) so that a signal lands between the read and its answer: what the signal
 * said must stand, since the keys were read before it.
 */

const ORIGIN = 'https://api.example.com';

describe.skipIf(!redisServerAvailable())('shareOpenState while a key read is in flight', () => {
  let redis: RedisServer;
  let admin: Redis;
  let proxy: TcpProxy | undefined;
  const connections: Redis[] = [];
  const stops: (() => void)[] = [];
  let prefix = '';
  let run = 0;

  const connect = (port = redis.port): Redis => {
    const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 20 });
    client.on('error', () => {});
    connections.push(client);
    return client;
  };
  const channelSubscribers = async () => Number(((await admin.pubsub('NUMSUB', `${prefix}open-state`)) as [string, number])[1]);
  /** A box sharing through two fresh connections, once its subscription and its client are up. */
  const sharing = async (client = connect()) => {
    const box = createBreakerBox();
    const before = await channelSubscribers();
    stops.push(shareOpenState(box, { client, subscriber: connect(), prefix }));
    await waitUntil('the subscription', async () => (await channelSubscribers()) === before + 1 && client.status === 'ready');
    // The read the start made has answered (no key to find yet, or the ones the test wrote).
    await new Promise((resolve) => setTimeout(resolve, 50));
    return box;
  };
  /**
   * Make `client` read the keys again, as its 'ready' after a reconnect does, with the answer
   * to that read's SCAN (which finds the keys) or MGET (which reads them) held back. The
   * command itself runs at once: its answer is what Redis held before anything the test
   * does next. Resolves once Redis answered, with the function that lets the answer through.
   */
  const readHeldBack = async (client: Redis, command: 'scan' | 'mget'): Promise<() => void> => {
    const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = target[command]!;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    target[command] = async (...args: unknown[]) => {
      delete target[command];
      const result = await original.apply(client, args);
      answered();
      await released;
      return result;
    };
    client.emit('ready');
    await answer;
    return release;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = connect();
  });
  beforeEach(() => {
    prefix = `races${++run}:`;
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await redis?.stop();
  });

  it('keeps an isolate heard during the read: its key missing from the answer is not a missed reset', async () => {
    const a = await sharing();
    const bClient = connect();
    const b = await sharing(bClient);
    const release = await readHeldBack(bClient, 'scan');
    a.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.state(ORIGIN) === 'isolated');
    release();
    await settle();
    expect(b.state(ORIGIN)).toBe('isolated');
  });

  it('keeps a reset heard during the read: the open the answer still holds is older', async () => {
    const a = await sharing();
    const bClient = connect();
    const b = await sharing(bClient);
    a.openUntil(ORIGIN, Date.now() + 20_000);
    await waitUntil('b open', () => b.state(ORIGIN) === 'open');
    await waitUntil('the key', async () => (await admin.exists(`${prefix}open:${ORIGIN}`)) === 1);
    const release = await readHeldBack(bClient, 'mget');
    a.reset(ORIGIN);
    await waitUntil('b reset', () => b.state(ORIGIN) === 'closed');
    release();
    await settle();
    expect(b.state(ORIGIN)).toBe('closed');
  });

  it('keeps what this replica did during the read', async () => {
    const a = await sharing();
    a.openUntil(ORIGIN, Date.now() + 20_000);
    await waitUntil('the key', async () => (await admin.exists(`${prefix}open:${ORIGIN}`)) === 1);
    const bClient = connect();
    const b = await sharing(bClient);
    expect(b.state(ORIGIN)).toBe('open');
    const release = await readHeldBack(bClient, 'mget');
    b.reset(ORIGIN);
    await waitUntil('a reset', () => a.state(ORIGIN) === 'closed');
    release();
    await settle();
    expect(b.state(ORIGIN)).toBe('closed');
    expect(a.state(ORIGIN)).toBe('closed');
  });

  it('sends a signal made before its client connected before it reads the keys, even when the subscriber was up first', async () => {
    const a = await sharing();
    a.isolate(ORIGIN);
    const key = `${prefix}open:${ORIGIN}`;
    await waitUntil('the isolate key', async () => (await admin.pttl(key)) === -1);
    const heard: string[] = [];
    const listener = connect();
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(`${prefix}open-state`);
    // The late box's client cannot connect yet; its subscriber can, and confirms first.
    proxy = await startTcpProxy(redis.port);
    proxy.cut();
    const late = createBreakerBox();
    const before = await channelSubscribers();
    stops.push(shareOpenState(late, { client: connect(proxy.port), subscriber: connect(), prefix }));
    late.openUntil(ORIGIN, Date.now() + 9_000);
    await waitUntil('the late subscription', async () => (await channelSubscribers()) === before + 1);
    await settle();
    proxy.heal();
    // Its open is told (the read that finds the isolate comes after it) ...
    await waitUntil('the late open on the channel', () => heard.some((m) => m.includes('"kind":"open"')));
    // ... and the key keeps the stronger isolate, which the late box then learns.
    await waitUntil('the late box learns the isolate', () => late.state(ORIGIN) === 'isolated');
    expect(await admin.pttl(key)).toBe(-1);
    expect(a.state(ORIGIN)).toBe('isolated');
  });
});

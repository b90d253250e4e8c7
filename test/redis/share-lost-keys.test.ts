import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import { shareOpenState } from '../../src/redis/index.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait.js';

/**
 * Redis can lose an origin's key without anyone resetting it: a restart without
 * persistence, or `maxmemory-policy allkeys-lru` (which the README recommends for the cache)
 * evicting it. A missing key must not read as a reset, and the replica whose verdict it was
 * puts it back, so replicas that start later still learn it. A reset leaves a key of its own,
 * so a replica that was away still catches up on it.
 */

const ORIGIN = 'https://api.example.com';
const DAY = 24 * 3_600_000;

describe.skipIf(!redisServerAvailable())('shareOpenState when Redis loses keys', () => {
  let redis: RedisServer;
  let admin: Redis;
  const connections: Redis[] = [];
  const stops: (() => void)[] = [];
  let prefix = '';
  let run = 0;

  const connect = (): Redis => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port, retryStrategy: () => 20 });
    client.on('error', () => {});
    connections.push(client);
    return client;
  };
  const channelSubscribers = async () => Number(((await admin.pubsub('NUMSUB', `${prefix}open-state`)) as [string, number])[1]);
  /** A box sharing through two fresh connections, once its subscription and its client are up. */
  const sharing = async () => {
    const box = createBreakerBox();
    const client = connect();
    const before = await channelSubscribers();
    stops.push(shareOpenState(box, { client, subscriber: connect(), prefix }));
    await waitUntil('the subscription', async () => (await channelSubscribers()) === before + 1 && client.status === 'ready');
    // Let the read made on start answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { box, client };
  };
  const key = () => `${prefix}open:${ORIGIN}`;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = connect();
  });
  beforeEach(() => {
    prefix = `lost${++run}:`;
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await redis.ensureRunning();
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await redis?.stop();
  });

  it('keeps a peer’s isolate whose key was evicted, and the replica that isolated puts the key back', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    await waitUntil('the isolate key', async () => (await admin.exists(key())) === 1);
    await admin.del(key());
    // Each replica reads the keys again, as after a reconnect: b first, then a.
    b.client.emit('ready');
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    a.client.emit('ready');
    await waitUntil('the isolate key back', async () => (await admin.get(key()))?.includes('"kind":"isolate"') === true);
    expect(await admin.pttl(key())).toBe(-1);
    // A replica that starts now learns it.
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('isolated');
  });

  it('keeps a peer’s open whose key was evicted, and puts the key back with what is left of the open', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.openUntil(ORIGIN, Date.now() + 20_000);
    await waitUntil('b open', () => b.box.state(ORIGIN) === 'open');
    await waitUntil('the open key', async () => (await admin.exists(key())) === 1);
    await admin.del(key());
    b.client.emit('ready');
    a.client.emit('ready');
    await waitUntil('the open key back', async () => (await admin.exists(key())) === 1);
    expect(b.box.state(ORIGIN)).toBe('open');
    const ttl = await admin.pttl(key());
    expect(ttl).toBeGreaterThan(15_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
  });

  it('does not put back what no longer holds: an open that ended, an isolate reset since', async () => {
    const a = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('the isolate key', async () => (await admin.exists(key())) === 1);
    a.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await admin.get(key()))?.includes('"kind":"reset"') === true);
    await admin.del(key());
    a.client.emit('ready');
    await settle();
    expect(await admin.exists(key())).toBe(0);
    expect(a.box.state(ORIGIN)).toBe('closed');
  });

  it('leaves a key for a reset, kept a day, that a replica which missed the message catches up on', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    // b stops sharing, as if away, and misses the reset.
    stops[1]!();
    a.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await admin.get(key()))?.includes('"kind":"reset"') === true);
    const ttl = await admin.pttl(key());
    expect(ttl).toBeGreaterThan(DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(DAY);
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    // Back, it reads the keys, finds the reset's, and is reset too.
    stops.push(shareOpenState(b.box, { client: connect(), subscriber: connect(), prefix }));
    await waitUntil('b to catch up on the reset', () => b.box.state(ORIGIN) === 'closed');
  });

  it('keeps every shared state through a Redis restart without persistence, and puts the keys back', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    a.box.openUntil('https://other.example.com', Date.now() + 30_000);
    await waitUntil('b isolated and open', () => b.box.state(ORIGIN) === 'isolated' && b.box.state('https://other.example.com') === 'open');
    await redis.kill();
    await redis.restart();
    await waitUntil('the isolate key back after the restart', async () => (await admin.exists(key())) === 1, 10_000);
    await waitUntil('the open key back after the restart', async () => (await admin.exists(`${prefix}open:https://other.example.com`)) === 1, 10_000);
    await waitUntil('both of b’s connections back', () => b.client.status === 'ready');
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    expect(b.box.state('https://other.example.com')).toBe('open');
  });
});

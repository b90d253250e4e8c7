import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { startReplica, type Replica } from './helpers/replicas.js';
import { waitUntil } from './helpers/wait.js';

/** The bound: a peer refuses within this long of the replica that saw the failures. */
const PROPAGATION_BOUND = 500;
const OPEN_DURATION = 1_500;
const PREFIX = 'replicas:';

describe.skipIf(!redisServerAvailable())('shareOpenState across three replica processes', () => {
  let redis: RedisServer;
  let origin: LocalServer;
  let admin: Redis;
  const replicas: Replica[] = [];
  const start = async (name: string) => {
    const replica = await startReplica({ name, redisPort: redis.port, prefix: PREFIX, failureThreshold: 3, openDuration: OPEN_DURATION });
    replicas.push(replica);
    return replica;
  };
  /** Subscribers on the sharing channel, as Redis counts them. */
  const subscribers = async () => Number(((await admin.pubsub('NUMSUB', `${PREFIX}open-state`)) as [string, number])[1]);
  /** A URL no replica has a cached answer for, so a refusal shows as a refusal. */
  let uncached = 0;
  const fresh = () => `${origin.origin}/api/${++uncached}`;
  let one: Replica;
  let two: Replica;
  let three: Replica;

  beforeAll(async () => {
    redis = await startRedisServer();
    origin = await startLocalServer();
    admin = new Redis({ host: '127.0.0.1', port: redis.port });
    [one, two, three] = await Promise.all([start('one'), start('two'), start('three')]);
    await waitUntil('three subscribers', async () => (await subscribers()) === 3, 10_000);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await admin?.quit();
    await origin?.close();
    await redis?.stop();
  });

  it('opens every replica within 500 ms of the one that saw the failures; the others send nothing', async () => {
    // Stored while the host was healthy, for the fresh replica at the end.
    expect((await one.request(`${origin.origin}/data`)).status).toBe(200);
    origin.setMode({ status: 500 });
    for (let i = 0; i < 3; i++) expect((await one.request(`${origin.origin}/api`)).status).toBe(500);
    const opened = await one.waitForState(origin.origin, 'open');
    expect(opened.cause).toBe('failures');

    const [atTwo, atThree] = await Promise.all([two.waitForState(origin.origin, 'open'), three.waitForState(origin.origin, 'open')]);
    expect(atTwo.cause).toBe('open-until');
    expect(atThree.cause).toBe('open-until');
    const latencies = [atTwo.at - opened.at, atThree.at - opened.at];
    console.info(`open propagated to two in ${latencies[0]} ms, to three in ${latencies[1]} ms`);
    for (const latency of latencies) expect(latency).toBeLessThan(PROPAGATION_BOUND);
    // Until the same instant, give or take the conversion (same machine, same clock here).
    expect(Math.abs(atTwo.until! - opened.until!)).toBeLessThan(50);

    const hits = origin.hits();
    const refused = await Promise.all([two, three].flatMap((r) => [1, 2, 3].map(() => r.request(fresh()))));
    expect(refused.every((r) => r.refused === true)).toBe(true);
    expect(origin.hits()).toBe(hits);
  });

  it('lets each replica probe for itself once the instant passes, sharing no probe result', async () => {
    origin.setMode('normal');
    const opened = one.events.findLast((e) => e.to === 'open')!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, opened.at + OPEN_DURATION + 50 - Date.now())));
    for (const replica of [one, two, three]) expect(await replica.state(origin.origin)).toBe('half-open');

    const hits = origin.hits();
    expect((await two.request(`${origin.origin}/api`)).status).toBe(200);
    expect(await two.state(origin.origin)).toBe('closed');
    // Two's probe closed two only: the others are still half-open, waiting for their own.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await one.state(origin.origin)).toBe('half-open');
    expect(await three.state(origin.origin)).toBe('half-open');
    expect((await one.request(`${origin.origin}/api`)).status).toBe(200);
    expect((await three.request(`${origin.origin}/api`)).status).toBe(200);
    expect(origin.hits()).toBe(hits + 3);
    for (const replica of [one, two, three]) expect(await replica.state(origin.origin)).toBe('closed');
  });

  it('propagates isolate and reset, and nothing after stop()', async () => {
    await three.isolate(origin.origin);
    const [atOne, atTwo] = await Promise.all([one.waitForState(origin.origin, 'isolated'), two.waitForState(origin.origin, 'isolated')]);
    expect([atOne.cause, atTwo.cause]).toEqual(['isolate', 'isolate']);
    const hits = origin.hits();
    expect((await one.request(fresh())).refused).toBe(true);
    expect(origin.hits()).toBe(hits);

    await one.reset(origin.origin);
    await Promise.all([two.waitForState(origin.origin, 'closed'), three.waitForState(origin.origin, 'closed')]);
    expect((await three.request(`${origin.origin}/api`)).status).toBe(200);

    await two.stopSharing();
    await one.isolate(origin.origin);
    await three.waitForState(origin.origin, 'isolated');
    // Three heard it; two, no longer sharing, did not.
    expect(await two.state(origin.origin)).toBe('closed');
    await two.isolate(origin.origin);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await one.reset(origin.origin);
    await three.waitForState(origin.origin, 'closed');
    // Two's own isolate was never sent, and one's reset never reached it.
    expect(await two.state(origin.origin)).toBe('isolated');
  });

  it('tells a replica that starts what is open now, and it serves what another replica cached', async () => {
    await one.isolate(origin.origin);
    await three.waitForState(origin.origin, 'isolated');
    const hits = origin.hits();
    const four = await start('four');
    await four.waitForState(origin.origin, 'isolated');
    const served = await four.request(`${origin.origin}/data`);
    expect(served).toMatchObject({ status: 200, fallback: 'cache', body: JSON.stringify({ ok: true, path: '/data' }) });
    expect((await four.request(fresh())).refused).toBe(true);
    expect(origin.hits()).toBe(hits);
  });
});

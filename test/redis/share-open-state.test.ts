import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerBox, type BreakerBox, type BreakerBoxOptions } from '../../src/index.js';
import { shareOpenState } from '../../src/redis/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait.js';

const ORIGIN = 'https://api.example.com';

describe.skipIf(!redisServerAvailable())('shareOpenState', () => {
  let redis: RedisServer;
  let admin: Redis;
  /** Every message on the test's channel, as a third connection saw it. */
  let heard: string[] = [];
  let listener: Redis;
  const connections: Redis[] = [];
  const stops: (() => void)[] = [];
  let prefix = '';
  let run = 0;

  const connect = (): Redis => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port });
    client.on('error', () => {});
    connections.push(client);
    return client;
  };
  /** A box sharing through its own two connections; resolves once it is subscribed. */
  const sharing = async (options: BreakerBoxOptions = {}, clock?: { now(): number }) => {
    const box = createBreakerBox(options);
    const client = connect();
    const subscriber = connect();
    const subscribers = await channelSubscribers();
    stops.push(shareOpenState(box, { client, subscriber, prefix, ...(clock === undefined ? {} : { clock }) }));
    await waitUntil('the subscription', async () => (await channelSubscribers()) === subscribers + 1);
    return box;
  };
  const channelSubscribers = async () => Number(((await admin.pubsub('NUMSUB', `${prefix}open-state`)) as [string, number])[1]);
  /** Let messages in flight land, so a test can assert that nothing more arrived. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = connect();
    listener = connect();
    // Replicas' hellos on start are not signals about an origin.
    listener.on('message', (_channel: string, message: string) => {
      if (!message.includes('"kind":"hello"')) heard.push(message);
    });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await listener.unsubscribe();
    heard = [];
  });
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await redis?.stop();
  });
  const listen = async () => {
    prefix = `share${++run}:`;
    await listener.subscribe(`${prefix}open-state`);
  };

  /** Trip `box` on its own: three failures through the two-step guard. */
  const trip = (box: BreakerBox, headers?: Record<string, string>, status = 500) => {
    for (let i = 0; i < 3; i++) {
      const permit = box.admit(`${ORIGIN}/x`);
      if (permit.allowed) permit.record({ kind: 'response', status, headers });
    }
  };

  it('sends one message per open and never echoes a peer’s signal back', async () => {
    await listen();
    const a = await sharing({ breaker: { failureThreshold: 3 } });
    const b = await sharing();
    const c = await sharing();
    trip(a);
    await waitUntil('b and c open', () => b.state(ORIGIN) === 'open' && c.state(ORIGIN) === 'open');
    await settle();
    expect(heard).toHaveLength(1);
    expect(JSON.parse(heard[0]!)).toMatchObject({ v: 1, origin: ORIGIN, kind: 'open' });
    // A key that expires with the open, for replicas that start later.
    const ttl = await admin.pttl(`${prefix}open:${ORIGIN}`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('keeps the strongest word in the origin’s key: an isolate, or the open that ends last', async () => {
    await listen();
    const a = await sharing();
    // e holds opens at most 3 s, on a clock the test moves: its failed probe opens it for ~2 s.
    const clock = createManualClock(1_000);
    const e = await sharing({ breaker: { openDuration: 1_000, maxOpenDuration: 3_000 }, clock, random: () => 0 }, clock);
    const key = `${prefix}open:${ORIGIN}`;
    a.openUntil(ORIGIN, Date.now() + 20_000);
    await waitUntil('e open', () => e.state(ORIGIN) === 'open');
    clock.advance(3_000);
    const probe = e.admit(`${ORIGIN}/x`);
    expect(probe.allowed).toBe(true);
    if (probe.allowed) probe.record({ kind: 'response', status: 500 });
    await waitUntil('e’s message', () => heard.length >= 2);
    expect(JSON.parse(heard[1]!)).toMatchObject({ kind: 'open', until: expect.any(Number) });
    // e's shorter open was sent, but the key still ends when a's does (and the script answered with it).
    expect(await admin.pttl(key)).toBeGreaterThan(15_000);
    await waitUntil('the key’s answer', () => heard.length === 3);
    expect(JSON.parse(heard[2]!)).toEqual(JSON.parse(heard[0]!));

    e.isolate(ORIGIN);
    await waitUntil('the isolate in the key', async () => (await admin.pttl(key)) === -1);
    // An open that comes after an isolate does not replace it.
    // (Opened before its connections are up, so it is sent before it could learn of the isolate.)
    const late = createBreakerBox();
    stops.push(shareOpenState(late, { client: connect(), subscriber: connect(), prefix }));
    late.openUntil(ORIGIN, Date.now() + 9_000);
    await waitUntil('late’s message', () => heard.slice(4).some((m) => m.includes('"kind":"open"')));
    expect(await admin.pttl(key)).toBe(-1);

    // A reset replaces the isolate with a key of its own (for replicas that were away) ...
    a.reset(ORIGIN);
    await waitUntil('the reset in the key', async () => (await admin.get(key))?.includes('"kind":"reset"') === true);
    // ... which the next open replaces.
    a.openUntil(ORIGIN, Date.now() + 5_000);
    await waitUntil('a new open after the reset', async () => (await admin.get(key))?.includes('"kind":"open"') === true);
    // The open names the reset it was said after, and keeps the key as long as the reset's
    // would be kept: the key must still know of the reset once the open has ended.
    const held = JSON.parse((await admin.get(key))!) as { until: number; since?: { at: number } };
    expect(held.until - Date.now()).toBeLessThanOrEqual(5_000);
    expect(held.since).toEqual({ at: expect.any(Number), from: expect.any(String) });
    expect(await admin.pttl(key)).toBeGreaterThan(24 * 3_600_000 - 60_000);
  });

  it('shares no half-open, no probe result and no end of a pause: each replica probes for itself', async () => {
    await listen();
    const clock = createManualClock(Date.now());
    const a = await sharing({ breaker: { failureThreshold: 3, openDuration: 1_000 }, clock }, clock);
    const b = await sharing();
    trip(a);
    await waitUntil('b open', () => b.state(ORIGIN) === 'open');
    clock.advance(1_000);
    const probe = a.admit(`${ORIGIN}/x`);
    expect(probe.allowed).toBe(true);
    if (probe.allowed) probe.record({ kind: 'response', status: 200 });
    expect(a.state(ORIGIN)).toBe('closed');
    await settle();
    expect(heard).toHaveLength(1);
    expect(b.state(ORIGIN)).toBe('open');
  });

  it('shares a Retry-After pause as an open until the instant the host asked for', async () => {
    await listen();
    const a = await sharing({ breaker: { failureThreshold: 10 } });
    const b = await sharing();
    const permit = a.admit(`${ORIGIN}/x`);
    if (permit.allowed) permit.record({ kind: 'response', status: 503, headers: { 'retry-after': '7' } });
    await waitUntil('b paused', () => b.state(ORIGIN) === 'open');
    const retryAfter = b.snapshot().find((s) => s.origin === ORIGIN)!.retryAfter!;
    expect(retryAfter).toBeGreaterThan(6_500);
    expect(retryAfter).toBeLessThanOrEqual(7_000);
  });

  it('converts the wall-clock instant to the box’s own clock, and caps a skewed peer at maxOpenDuration', async () => {
    await listen();
    const clock = createManualClock(5_000);
    const b = await sharing({ breaker: { maxOpenDuration: 60_000 }, clock }, clock);
    const a = await sharing({ breaker: { failureThreshold: 3, openDuration: 20_000 } });
    trip(a);
    await waitUntil('b open', () => b.state(ORIGIN) === 'open');
    const left = b.snapshot().find((s) => s.origin === ORIGIN)!.retryAfter!;
    expect(left).toBeGreaterThan(19_000);
    expect(left).toBeLessThanOrEqual(20_000);

    // A peer whose clock runs a day ahead: held to the box's cap, not parked for a day.
    const other = 'https://other.example.com';
    await admin.publish(`${prefix}open-state`, JSON.stringify({ v: 1, from: 'skewed', origin: other, at: Date.now() + 86_400_000 - 5_000, kind: 'open', until: Date.now() + 86_400_000 }));
    await waitUntil('b open for other', () => b.state(other) === 'open');
    expect(b.snapshot().find((s) => s.origin === other)!.retryAfter).toBe(60_000);
    clock.advance(60_000);
    expect(b.state(other)).toBe('half-open');
  });

  it('ignores what is not a signal on its channel, and an instant already past', async () => {
    await listen();
    const errors: unknown[] = [];
    const box = createBreakerBox();
    stops.push(shareOpenState(box, { client: connect(), subscriber: connect(), prefix, onError: (e) => errors.push(e) }));
    await waitUntil('the subscription', async () => (await channelSubscribers()) === 2);
    const at = Date.now();
    for (const message of [
      'not json',
      '{}',
      JSON.stringify({ v: 2, from: 'x', origin: ORIGIN, at, kind: 'open', until: Date.now() + 5_000 }),
      // No `at`: it cannot be ordered against a reset.
      JSON.stringify({ v: 1, from: 'x', origin: ORIGIN, kind: 'isolate' }),
      JSON.stringify({ v: 1, from: 'x', origin: ORIGIN, at, kind: 'open', until: Date.now() - 1 }),
      JSON.stringify({ v: 1, from: 'x', origin: 'not a url', at, kind: 'isolate' }),
    ]) {
      await admin.publish(`${prefix}open-state`, message);
    }
    await admin.publish(`${prefix}open-state`, JSON.stringify({ v: 1, from: 'x', origin: 'https://marker.example.com', at, kind: 'isolate' }));
    await waitUntil('the marker', () => box.state('https://marker.example.com') === 'isolated');
    expect(box.state(ORIGIN)).toBe('closed');
    // The origin that did not parse was reported, not thrown.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });

  it('lets two boxes share one subscriber connection; stopping one leaves the other subscribed', async () => {
    await listen();
    const subscriber = connect();
    const first = createBreakerBox();
    const second = createBreakerBox();
    const stopFirst = shareOpenState(first, { client: connect(), subscriber, prefix });
    stops.push(shareOpenState(second, { client: connect(), subscriber, prefix }));
    // One subscription for both boxes (and the test's listener).
    await waitUntil('the shared subscription', async () => (await channelSubscribers()) === 2);
    const sender = await sharing();
    stopFirst();
    stopFirst();
    sender.isolate(ORIGIN);
    await waitUntil('the second box isolated', () => second.state(ORIGIN) === 'isolated');
    await settle();
    expect(first.state(ORIGIN)).toBe('closed');
  });

  it('reads the keys of clients made with keyPrefix and lazyConnect on start', async () => {
    await listen();
    const prefixed = (lazyConnect: boolean) => {
      const client = new Redis({ host: '127.0.0.1', port: redis.port, keyPrefix: 'app:', lazyConnect });
      client.on('error', () => {});
      connections.push(client);
      return client;
    };
    const a = createBreakerBox();
    stops.push(shareOpenState(a, { client: prefixed(false), subscriber: prefixed(false), prefix }));
    await waitUntil('the subscription', async () => (await channelSubscribers()) === 2);
    a.isolate(ORIGIN);
    await waitUntil('the key', async () => (await admin.exists(`app:${prefix}open:${ORIGIN}`)) === 1);
    // Started later, with clients that have not connected yet: it connects them and learns the isolate.
    const late = createBreakerBox();
    stops.push(shareOpenState(late, { client: prefixed(true), subscriber: prefixed(true), prefix }));
    await waitUntil('the late box isolated', () => late.state(ORIGIN) === 'isolated');
  });

  it('tells onError when Redis refuses a signal’s key (out of memory), still tells the peers, and writes the key once Redis takes it', async () => {
    await listen();
    const errors: unknown[] = [];
    const box = createBreakerBox();
    const client = connect();
    stops.push(shareOpenState(box, { client, subscriber: connect(), prefix, onError: (e) => errors.push(e) }));
    await waitUntil('the subscription and the client', async () => (await channelSubscribers()) === 2 && client.status === 'ready');
    const peer = await sharing();
    await admin.config('SET', 'maxmemory', '1');
    try {
      box.isolate(ORIGIN);
      await waitUntil('the refusal', () => errors.length > 0);
      expect(String(errors[0])).toMatch(/OOM/);
      // The message went out all the same: a full Redis still carries pub/sub.
      await waitUntil('the peer isolated', () => peer.state(ORIGIN) === 'isolated');
      expect(await admin.exists(`${prefix}open:${ORIGIN}`)).toBe(0);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    // The next signal that goes through takes the waiting one along, and its key is written.
    box.isolate('https://other.example.com');
    await waitUntil('both keys', async () => (await admin.exists(`${prefix}open:${ORIGIN}`, `${prefix}open:https://other.example.com`)) === 2);
    expect(peer.state('https://other.example.com')).toBe('isolated');
  });

  it('works with clients that have no offline queue, a signal sent before they connected included', async () => {
    await listen();
    const strict = () => {
      const client = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      connections.push(client);
      return client;
    };
    const errors: unknown[] = [];
    const [a, b] = [createBreakerBox(), createBreakerBox()];
    stops.push(shareOpenState(a, { client: strict(), subscriber: strict(), prefix, onError: (e) => errors.push(e) }));
    stops.push(shareOpenState(b, { client: strict(), subscriber: strict(), prefix, onError: (e) => errors.push(e) }));
    a.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.state(ORIGIN) === 'isolated');
    a.reset(ORIGIN);
    await waitUntil('b reset', () => b.state(ORIGIN) === 'closed');
    expect(errors).toEqual([]);
  });

  it('rejects bad arguments with errors that name the option and the value', () => {
    const client = connect();
    const box = createBreakerBox();
    expect(() => shareOpenState({} as BreakerBox, { client, subscriber: connect() })).toThrow(new TypeError('shareOpenState expects a box from createBreakerBox() as its first argument, got object'));
    expect(() => shareOpenState(box, { client, subscriber: client })).toThrow(/options\.subscriber must be a second connection \(e\.g\. client\.duplicate\(\)\)/);
    expect(() => shareOpenState(box, { client, subscriber: undefined as unknown as Redis })).toThrow(/shareOpenState options\.subscriber must be an ioredis client .*got undefined/);
    expect(() => shareOpenState(box, { client, subscriber: connect(), prefix: 1 as unknown as string })).toThrow(new TypeError('shareOpenState options.prefix must be a string, got number'));
    expect(() => shareOpenState(box, { client, subscriber: connect(), subscribe: true } as never)).toThrow(/options\.subscribe is not a known option/);
  });
});

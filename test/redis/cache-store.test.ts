import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBreakerBox, isCircuitOpenError, type CachedResponse } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createRedisCacheStore } from '../../src/redis/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait.js';

/** Every byte value, so a text or base64 round trip would show. */
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

describe.skipIf(!redisServerAvailable())('createRedisCacheStore against a real redis-server', () => {
  let redis: RedisServer;
  let origin: LoopbackServer;
  let hits = 0;
  const clients: Redis[] = [];
  const connect = (): Redis => {
    const client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    return client;
  };
  let admin: Redis;
  let prefix = '';
  let run = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    origin = await listenLoopback((req, res, url) => {
      hits++;
      if (url.pathname === '/binary') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', vary: 'accept-language' });
        res.end(BINARY);
        return;
      }
      if (url.pathname === '/no-store') {
        res.writeHead(200, { 'cache-control': 'no-store' });
        res.end('secret');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: url.pathname, auth: req.headers.authorization ?? null }));
    });
    admin = connect();
    await admin.ping();
  });

  beforeEach(() => {
    prefix = `t${++run}:`;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await origin?.close();
    await redis?.stop();
  });

  /** A replica: its own connection, store and box; every origin breaker can be isolated at will. */
  const replica = async (cache: Record<string, unknown> = {}) => {
    const client = connect();
    await client.ping();
    const store = createRedisCacheStore({ client, prefix, ttl: 60_000 });
    const box = createBreakerBox({ fallback: { cache: { ...cache } }, cacheStore: store });
    return { client, store, box, fetch: createFetch(box) };
  };
  const keys = () => admin.keys(`${prefix}*`);

  it('serves a response another replica stored, byte for byte, while the origin is open', async () => {
    const first = await replica();
    const response = await first.fetch(`${origin.origin}/binary`, { headers: { 'accept-language': 'fr' } });
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BINARY);
    await waitUntil('the entry in Redis', async () => (await keys()).length === 1);

    const fresh = await replica();
    fresh.box.isolate(origin.origin);
    const before = hits;
    const served = await fresh.fetch(`${origin.origin}/binary`, { headers: { 'accept-language': 'fr' } });
    expect(hits).toBe(before);
    expect(served.headers.get('x-breakerbox-fallback')).toBe('cache');
    expect(served.headers.get('vary')).toBe('accept-language');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(BINARY);
    // Vary still applies across replicas: another language is not this entry.
    await expect(fresh.fetch(`${origin.origin}/binary`, { headers: { 'accept-language': 'de' } })).rejects.toSatisfy(isCircuitOpenError);
    // Both lookups found the entry in Redis; the box turned the second down on Vary.
    expect(fresh.store.stats()).toMatchObject({ hits: 2, errors: 0 });
  });

  it('keeps the body as raw bytes under a hashed key, expiring after ttl', async () => {
    const first = await replica();
    await (await first.fetch(`${origin.origin}/binary?token=abc`)).arrayBuffer();
    await waitUntil('the entry in Redis', async () => (await keys()).length === 1);
    const [key] = await keys();
    // A hex SHA-256 after the prefix: no URL (and no query token) in the key name.
    expect(key).toMatch(new RegExp(`^${prefix}cache:[0-9a-f]{64}$`));
    const frame = (await admin.getBuffer(key!))!;
    expect(Buffer.from(frame).includes(Buffer.from(BINARY))).toBe(true);
    expect(frame.byteLength).toBeLessThan(BINARY.byteLength + 300);
    const ttl = await admin.pttl(key!);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('stores nothing the box must not share: no-store, or credentials without cache.private', async () => {
    const first = await replica();
    await (await first.fetch(`${origin.origin}/no-store`)).text();
    await (await first.fetch(`${origin.origin}/me`, { headers: { authorization: 'Bearer alice' } })).text();
    // A stored entry would have been written by now (writes take well under a millisecond here).
    await (await first.fetch(`${origin.origin}/marker`)).text();
    await waitUntil('the marker entry', async () => (await keys()).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await keys()).toHaveLength(1);
  });

  it('serves a private entry back only to the same credentials on another replica', async () => {
    const first = await replica({ private: true });
    await (await first.fetch(`${origin.origin}/me`, { headers: { authorization: 'Bearer alice' } })).text();
    await waitUntil('the entry in Redis', async () => (await keys()).length === 1);
    const fresh = await replica({ private: true });
    fresh.box.isolate(origin.origin);
    const alice = await fresh.fetch(`${origin.origin}/me`, { headers: { authorization: 'Bearer alice' } });
    expect(await alice.json()).toEqual({ path: '/me', auth: 'Bearer alice' });
    await expect(fresh.fetch(`${origin.origin}/me`, { headers: { authorization: 'Bearer bob' } })).rejects.toSatisfy(isCircuitOpenError);
    await expect(fresh.fetch(`${origin.origin}/me`)).rejects.toSatisfy(isCircuitOpenError);
  });

  it('writes a hot key once per writeInterval, and every time with writeInterval 0', async () => {
    const entry: CachedResponse = { status: 200, statusText: 'OK', headers: [], body: new Uint8Array([7]), storedAt: Date.now(), vary: [] };
    const [one, two] = [connect(), connect()];
    await Promise.all([one.ping(), two.ping()]);
    const coalescing = createRedisCacheStore({ client: one, prefix });
    const eager = createRedisCacheStore({ client: two, prefix: `${prefix}eager:`, writeInterval: 0 });
    for (const store of [coalescing, eager]) {
      store.set('GET https://a.example/hot', entry);
      await waitUntil('the first write', async () => (await admin.keys(`${store === eager ? `${prefix}eager:` : prefix}cache:*`)).length === 1);
    }
    const [coalescedKey] = await admin.keys(`${prefix}cache:*`);
    const [eagerKey] = await admin.keys(`${prefix}eager:cache:*`);
    await admin.set(coalescedKey!, 'marker');
    await admin.set(eagerKey!, 'marker');
    for (const store of [coalescing, eager]) for (let i = 0; i < 5; i++) store.set('GET https://a.example/hot', entry);
    await waitUntil('the eager store to write again', async () => (await admin.get(eagerKey!)) !== 'marker');
    expect(await admin.get(coalescedKey!)).toBe('marker');
    expect(coalescing.stats().coalesced).toBe(5);
    expect(eager.stats().coalesced).toBe(0);
  });

  it('answers a value that is not one of its frames as a miss', async () => {
    const first = await replica();
    await (await first.fetch(`${origin.origin}/binary`)).arrayBuffer();
    await waitUntil('the entry in Redis', async () => (await keys()).length === 1);
    const [key] = await keys();
    await admin.set(key!, Buffer.from('{"status":200,"body":"aGVsbG8="}'));
    first.box.isolate(origin.origin);
    await expect(first.fetch(`${origin.origin}/binary`)).rejects.toSatisfy(isCircuitOpenError);
    expect(first.store.stats()).toMatchObject({ misses: 1, hits: 0 });
  });

  it('deletes through the store; a client not connected yet is a miss at once, with no promise, and a lazy one gets connected', async () => {
    const { store } = await replica();
    const entry: CachedResponse = { status: 200, statusText: 'OK', headers: [['content-type', 'text/plain']], body: new Uint8Array([1, 2, 3]), storedAt: Date.now(), vary: [] };
    store.set('GET https://a.example/x', entry);
    await waitUntil('the entry in Redis', async () => (await keys()).length === 1);
    expect(await store.get('GET https://a.example/x')).toEqual(entry);
    store.delete('GET https://a.example/x');
    await waitUntil('the entry gone', async () => (await keys()).length === 0);

    const offline = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
    const cold = createRedisCacheStore({ client: offline, prefix });
    expect(cold.get('GET https://a.example/x')).toBeUndefined();
    cold.set('GET https://a.example/x', entry);
    expect(cold.stats()).toMatchObject({ skipped: 2, pending: 0 });
    // A lazyConnect client is connected by the store (it sends nothing until then), and then used.
    await waitUntil('the lazy client to connect', () => offline.status === 'ready');
    cold.set('GET https://a.example/y', entry);
    await waitUntil('the lazy client’s write', async () => (await keys()).length === 1);
    offline.disconnect();
  });

  it('rejects bad options with errors that name the option and the value', async () => {
    const client = connect();
    expect(() => createRedisCacheStore({ client: {} as Redis })).toThrow(/createRedisCacheStore options\.client must be an ioredis client .*got an object/);
    expect(() => createRedisCacheStore({ client, ttl: 0 })).toThrow(new RangeError('createRedisCacheStore options.ttl must be an integer >= 1, got 0'));
    expect(() => createRedisCacheStore({ client, lookupTimeout: 1.5 })).toThrow(RangeError);
    expect(() => createRedisCacheStore({ client, prefix: 7 as unknown as string })).toThrow(new TypeError('createRedisCacheStore options.prefix must be a string, got number'));
    expect(() => createRedisCacheStore({ client, tll: 5 } as never)).toThrow(/options\.tll is not a known option/);
  });
});

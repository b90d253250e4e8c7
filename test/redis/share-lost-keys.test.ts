import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from './helpers/redis-server.js';
import { sharingFixture } from './helpers/sharing-fixture.js';
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
  const fixture = sharingFixture('lost');
  const { sharing } = fixture;
  const key = () => `${fixture.prefix}open:${ORIGIN}`;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

  it('keeps a peer’s isolate whose key was evicted, and the replica that isolated puts the key back', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    await waitUntil('the isolate key', async () => (await fixture.admin.exists(key())) === 1);
    await fixture.admin.del(key());
    // Each replica reads the keys again, as after a reconnect: b first, then a.
    b.client.emit('ready');
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    a.client.emit('ready');
    await waitUntil('the isolate key back', async () => (await fixture.admin.get(key()))?.includes('"kind":"isolate"') === true);
    expect(await fixture.admin.pttl(key())).toBe(-1);
    // A replica that starts now learns it.
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('isolated');
  });

  it('tells a replica that starts after an eviction what the others hold, with nobody reconnecting', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    b.box.openUntil('https://other.example.com', Date.now() + 20_000);
    await waitUntil('both keys', async () => (await fixture.admin.exists(key(), `${fixture.prefix}open:https://other.example.com`)) === 2);
    await fixture.admin.del(key(), `${fixture.prefix}open:https://other.example.com`);
    // The newcomer's read finds nothing; its hello makes a and b write back what they hold.
    const late = await sharing();
    await waitUntil('the newcomer learns both', () => late.box.state(ORIGIN) === 'isolated' && late.box.state('https://other.example.com') === 'open');
    expect(await fixture.admin.exists(key(), `${fixture.prefix}open:https://other.example.com`)).toBe(2);
  });

  it('keeps a peer’s open whose key was evicted, and puts the key back with what is left of the open', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.openUntil(ORIGIN, Date.now() + 20_000);
    await waitUntil('b open', () => b.box.state(ORIGIN) === 'open');
    await waitUntil('the open key', async () => (await fixture.admin.exists(key())) === 1);
    await fixture.admin.del(key());
    b.client.emit('ready');
    a.client.emit('ready');
    await waitUntil('the open key back', async () => (await fixture.admin.exists(key())) === 1);
    expect(b.box.state(ORIGIN)).toBe('open');
    const ttl = await fixture.admin.pttl(key());
    expect(ttl).toBeGreaterThan(15_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
  });

  it('puts back the reset, not the isolate it undid, and nothing for an open that has ended', async () => {
    const a = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('the isolate key', async () => (await fixture.admin.exists(key())) === 1);
    a.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await fixture.admin.get(key()))?.includes('"kind":"reset"') === true);
    const short = 'https://short.example.com';
    a.box.openUntil(short, Date.now() + 200);
    await waitUntil('the short open key', async () => (await fixture.admin.exists(`${fixture.prefix}open:${short}`)) === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fixture.admin.del(key(), `${fixture.prefix}open:${short}`);
    a.client.emit('ready');
    await waitUntil('the reset key back', async () => (await fixture.admin.get(key()))?.includes('"kind":"reset"') === true);
    await settle();
    expect(await fixture.admin.exists(`${fixture.prefix}open:${short}`)).toBe(0);
    expect(a.box.state(ORIGIN)).toBe('closed');
  });

  it('leaves a key for a reset, kept a day, that a replica which missed the message catches up on', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    // b stops sharing, as if away, and misses the reset.
    b.stop();
    a.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await fixture.admin.get(key()))?.includes('"kind":"reset"') === true);
    const ttl = await fixture.admin.pttl(key());
    expect(ttl).toBeGreaterThan(DAY - 60_000);
    expect(ttl).toBeLessThanOrEqual(DAY);
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    // Back, it reads the keys, finds the reset's, and is reset too.
    fixture.share(b.box, fixture.connect(), fixture.connect());
    await waitUntil('b to catch up on the reset', () => b.box.state(ORIGIN) === 'closed');
  });

  it('keeps every shared state through a Redis restart without persistence, and puts the keys back', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    a.box.openUntil('https://other.example.com', Date.now() + 30_000);
    await waitUntil('b isolated and open', () => b.box.state(ORIGIN) === 'isolated' && b.box.state('https://other.example.com') === 'open');
    await fixture.redis.kill();
    await fixture.redis.restart();
    await waitUntil('the isolate key back after the restart', async () => (await fixture.admin.exists(key())) === 1, 10_000);
    await waitUntil('the open key back after the restart', async () => (await fixture.admin.exists(`${fixture.prefix}open:https://other.example.com`)) === 1, 10_000);
    await waitUntil('both of b’s connections back', () => b.client.status === 'ready');
    await settle();
    expect(b.box.state(ORIGIN)).toBe('isolated');
    expect(b.box.state('https://other.example.com')).toBe('open');
  });

  it.each(['resets', 'ended opens'])('does not let a day of %s crowd the isolates out of a starting replica’s read', async (what) => {
    // More such keys than the read takes opens and isolates (10,000), and a few isolates among them.
    const at = Date.now();
    const since = { at: at - 1_000, from: 'peer' };
    const batch = fixture.admin.pipeline();
    for (let i = 0; i < 20_000; i++) {
      const origin = `https://crowd-${i}.example.com`;
      const word = what === 'resets' ? { v: 1, from: 'peer', origin, at, kind: 'reset' } : { v: 1, from: 'peer', origin, at, kind: 'open', until: at - 500, since };
      batch.set(`${fixture.prefix}open:${origin}`, JSON.stringify(word), 'PX', 60_000);
    }
    const isolated = Array.from({ length: 20 }, (_, i) => `https://isolated-${i}.example.com`);
    for (const origin of isolated) batch.set(`${fixture.prefix}open:${origin}`, JSON.stringify({ v: 1, from: 'peer', origin, at, kind: 'isolate' }));
    await batch.exec();
    const late = await sharing();
    await waitUntil('every isolate learnt', () => isolated.every((origin) => late.box.state(origin) === 'isolated'), 10_000);
  });
});

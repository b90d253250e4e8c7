import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from './helpers/redis-server.js';
import { readHeldBack } from './helpers/read-held-back.js';
import { sharingFixture } from './helpers/sharing-fixture.js';
import { waitUntil } from './helpers/wait.js';

/**
 * Signals arrive late and out of order: a replica back from a partition repeats what it
 * knew, Redis loses a reset's key, a reset is made on a replica that never saw the isolate.
 * Every signal carries when it was said, and a reset undoes exactly what was said before it,
 * whichever replica hears what first.
 */

const ORIGIN = 'https://api.example.com';

describe.skipIf(!redisServerAvailable())('shareOpenState orders what replicas say', () => {
  const fixture = sharingFixture('order');
  /** A replica sharing through two fresh connections to `port` (a proxy's, or Redis's own). */
  const sharing = (port?: number) => fixture.sharing(port === undefined ? undefined : fixture.connect(port));
  const key = () => `${fixture.prefix}open:${ORIGIN}`;
  const held = async () => JSON.parse((await fixture.admin.get(key())) ?? 'null') as { kind: string } | null;

  it('a replica back from a partition cannot undo the reset it missed, even after Redis lost the reset’s key', async () => {
    const a = await sharing();
    const c = await sharing();
    const proxy = await fixture.proxy();
    const b = await sharing(proxy.port);
    b.box.isolate(ORIGIN);
    b.box.openUntil('https://other.example.com', Date.now() + 30_000);
    await waitUntil('a and c isolated and open', () => a.box.state(ORIGIN) === 'isolated' && c.box.state('https://other.example.com') === 'open');

    await fixture.cutOff(proxy, b);
    a.box.reset(ORIGIN);
    a.box.reset('https://other.example.com');
    await waitUntil('c reset', () => c.box.state(ORIGIN) === 'closed' && c.box.state('https://other.example.com') === 'closed');
    // Evicted, or lost in a restart: nothing in Redis says there was a reset.
    await fixture.admin.del(key(), `${fixture.prefix}open:https://other.example.com`);
    proxy.heal();

    // b puts its isolate and open back; a and c know they were reset since, and tell b.
    await waitUntil('b to learn the reset', () => b.box.state(ORIGIN) === 'closed' && b.box.state('https://other.example.com') === 'closed', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const replica of [a, b, c]) {
      expect(replica.box.state(ORIGIN)).toBe('closed');
      expect(replica.box.state('https://other.example.com')).toBe('closed');
    }
    expect(await held()).toMatchObject({ kind: 'reset' });
  });

  it('shares a reset made on a replica where the origin is closed', async () => {
    const a = await sharing();
    const b = await sharing();
    const proxy = await fixture.proxy();
    const c = await sharing(proxy.port);
    // c is away when the isolate is said, and Redis loses its key before c is back.
    await fixture.cutOff(proxy, c);
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    await fixture.admin.del(key());
    proxy.heal();
    await waitUntil('c back', () => c.client.status === 'ready' && c.subscriber.status === 'ready');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(c.box.state(ORIGIN)).toBe('closed');
    // Its operator's reset still clears it everywhere.
    c.box.reset(ORIGIN);
    await waitUntil('a and b reset', () => a.box.state(ORIGIN) === 'closed' && b.box.state(ORIGIN) === 'closed');
    expect(await held()).toMatchObject({ kind: 'reset' });
  });

  it('keeps an isolate Redis refused (out of memory) over an older reset’s key, and sends it once Redis takes it', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    b.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await held())?.kind === 'reset');
    await waitUntil('a reset', () => a.box.state(ORIGIN) === 'closed');
    await fixture.admin.config('SET', 'maxmemory', '1');
    try {
      a.box.isolate(ORIGIN);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A reconnect reads b's reset, which is older than the isolate waiting to be sent.
      a.client.emit('ready');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(a.box.state(ORIGIN)).toBe('isolated');
    } finally {
      await fixture.admin.config('SET', 'maxmemory', '0');
    }
    // a's isolate reached b all the same (a full Redis still carries pub/sub); its key is written once Redis takes it.
    a.client.emit('ready');
    await waitUntil('the isolate key', async () => (await held())?.kind === 'isolate');
    expect(b.box.state(ORIGIN)).toBe('isolated');
  });

  it('a word put back never replaces a newer one that reached Redis meanwhile', async () => {
    const a = await sharing();
    const b = await sharing();
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    await fixture.admin.del(key());
    // a hears b's messages only later (a slow subscriber) ...
    const subscriber = a.subscriber as unknown as { emit: (event: string, ...args: unknown[]) => boolean };
    const emit = subscriber.emit.bind(a.subscriber);
    const late: unknown[][] = [];
    subscriber.emit = (event: string, ...args: unknown[]) => (event === 'message' ? (late.push(args), true) : emit(event, ...args));
    // ... and its read finds no key, but answers only after b's reset reached Redis.
    const release = await readHeldBack(a.client, 'scan');
    b.box.reset(ORIGIN);
    await waitUntil('the reset key', async () => (await held())?.kind === 'reset');
    release();
    await new Promise((resolve) => setTimeout(resolve, 150));
    // a put its isolate back only where Redis had nothing newer: the reset stands.
    expect(await held()).toMatchObject({ kind: 'reset' });
    expect(b.box.state(ORIGIN)).toBe('closed');
    subscriber.emit = emit;
    for (const args of late) emit('message', ...args);
    expect(a.box.state(ORIGIN)).toBe('closed');
  });

  it('remembers a reset through the open said after it: an isolate from before it, put back late, stays out', async () => {
    const a = await sharing();
    const c = await sharing();
    const proxy = await fixture.proxy();
    const b = await sharing(proxy.port);
    const other = 'https://other.example.com';
    b.box.isolate(ORIGIN);
    b.box.openUntil(other, Date.now() + 60_000);
    await waitUntil('a isolated and open', () => a.box.state(ORIGIN) === 'isolated' && a.box.state(other) === 'open');
    await fixture.cutOff(proxy, b);
    // While b is away: reset, then a short open said after the reset.
    a.box.reset(ORIGIN);
    a.box.reset(other);
    a.box.openUntil(ORIGIN, Date.now() + 20_000);
    a.box.openUntil(other, Date.now() + 20_000);
    await waitUntil('c open on both', () => c.box.state(ORIGIN) === 'open' && c.box.state(other) === 'open');
    proxy.heal();
    // b learns the reset from the open (which names it), and its isolate and long open stay out.
    await waitUntil('b open on both, no longer isolated', () => b.box.state(ORIGIN) === 'open' && b.box.state(other) === 'open', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await held()).toMatchObject({ kind: 'open', since: { at: expect.any(Number) } });
    const retryAfter = (replica: { box: { snapshot(): { origin: string; retryAfter?: number }[] } }) => replica.box.snapshot().find((s) => s.origin === other)?.retryAfter ?? 0;
    for (const replica of [a, b, c]) {
      expect(replica.box.state(ORIGIN)).toBe('open');
      // The 60 s open from before the reset is gone: what is left is the 20 s one.
      expect(retryAfter(replica)).toBeLessThanOrEqual(20_000);
    }
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('open');
  });

  it('shares an isolate of an origin isolated here already: the latest word, over a reset this replica missed', async () => {
    const a = await sharing();
    const proxy = await fixture.proxy();
    const b = await sharing(proxy.port);
    a.box.isolate(ORIGIN);
    await waitUntil('b isolated', () => b.box.state(ORIGIN) === 'isolated');
    await fixture.cutOff(proxy, b);
    a.box.reset(ORIGIN);
    // (Words said in the same ms on two replicas are ordered by replica id: wait one out.)
    await new Promise((resolve) => setTimeout(resolve, 5));
    // b, which never heard the reset, isolates again: the latest word.
    b.box.isolate(ORIGIN);
    proxy.heal();
    await waitUntil('a isolated again', () => a.box.state(ORIGIN) === 'isolated', 5_000);
    expect(b.box.state(ORIGIN)).toBe('isolated');
    expect(await held()).toMatchObject({ kind: 'isolate' });
  });

  it('a word that names a reset the key’s isolate was said before replaces it, in Redis too', async () => {
    const r1 = await sharing();
    const proxy = await fixture.proxy();
    const r0 = await sharing(proxy.port);
    r1.box.isolate(ORIGIN);
    await waitUntil('r0 isolated', () => r0.box.state(ORIGIN) === 'isolated');
    await fixture.cutOff(proxy, r0);
    // Away, r0 resets and opens: only the open waits to be sent, and it names the reset.
    r0.box.reset(ORIGIN);
    r0.box.openUntil(ORIGIN, Date.now() + 20_000);
    proxy.heal();
    await waitUntil('r1 open, and the open in the key', async () => r1.box.state(ORIGIN) === 'open' && (await held())?.kind === 'open', 5_000);
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('open');
  });

  it('still knows of a reset once the open said after it has ended: an isolate from before it stays out', async () => {
    const a = await sharing();
    const c = await sharing();
    const proxy = await fixture.proxy();
    const b = await sharing(proxy.port);
    b.box.isolate(ORIGIN);
    await waitUntil('a isolated', () => a.box.state(ORIGIN) === 'isolated');
    await fixture.cutOff(proxy, b);
    a.box.reset(ORIGIN);
    a.box.openUntil(ORIGIN, Date.now() + 300);
    await waitUntil('c open', () => c.box.state(ORIGIN) === 'open');
    // The short open ends (its key stays: it is how Redis remembers the reset) ...
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await held()).toMatchObject({ kind: 'open', since: { at: expect.any(Number) } });
    // ... and b, back, puts its isolate back: refused, it learns the reset from the key's answer.
    proxy.heal();
    await waitUntil('b reset', () => b.box.state(ORIGIN) !== 'isolated', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const replica of [a, b, c]) expect(replica.box.state(ORIGIN)).not.toBe('isolated');
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('closed');
  });

  it('an open said after a reset stands, though an isolate the reset undoes outweighed it first (either heal order)', async () => {
    for (const order of ['c-first', 'a-first'] as const) {
      const origin = `https://${order}.example.com`;
      const b = await sharing();
      const proxyA = await fixture.proxy();
      const proxyC = await fixture.proxy();
      const a = await sharing(proxyA.port);
      const c = await sharing(proxyC.port);
      await fixture.cutOff([proxyA, proxyC], a, c);
      b.box.isolate(origin);
      await new Promise((resolve) => setTimeout(resolve, 5));
      a.box.reset(origin);
      await new Promise((resolve) => setTimeout(resolve, 5));
      c.box.openUntil(origin, Date.now() + 20_000);
      const [first, second] = order === 'c-first' ? [proxyC, proxyA] : [proxyA, proxyC];
      first.heal();
      await new Promise((resolve) => setTimeout(resolve, 300));
      second.heal();
      await waitUntil(`everyone open (${order})`, () => [a, b, c].every((r) => r.box.state(origin) === 'open'), 5_000).catch(async (e) => { throw new Error(`${e.message}: ${[a, b, c].map((r) => r.box.state(origin))} key ${await fixture.admin.get(`${fixture.prefix}open:${origin}`)}`); });
      expect(JSON.parse((await fixture.admin.get(`${fixture.prefix}open:${origin}`))!)).toMatchObject({ kind: 'open' });
    }
  });

  it('a reset the key refused is still remembered by the key, so an isolate from before it stays out', async () => {
    const o = await sharing();
    const w = await sharing();
    const proxies = await Promise.all([fixture.proxy(), fixture.proxy(), fixture.proxy()]);
    const r = await sharing(proxies[0]!.port);
    const i = await sharing(proxies[1]!.port);
    const z = await sharing(proxies[2]!.port);
    const [proxyR, proxyI, proxyZ] = proxies as [(typeof proxies)[0], (typeof proxies)[0], (typeof proxies)[0]];
    await fixture.cutOff(proxies, r, i, z);
    const step = () => new Promise((resolve) => setTimeout(resolve, 5));
    i.box.isolate(ORIGIN);
    await step();
    r.box.reset(ORIGIN);
    await step();
    o.box.openUntil(ORIGIN, Date.now() + 30_000);
    await step();
    z.box.openUntil(ORIGIN, Date.now() + 60_000);
    // r's reset is refused (o's open came later), z's longer open wins, then i's isolate from before the reset comes back.
    for (const proxy of [proxyR, proxyZ, proxyI]) {
      proxy.heal();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const all = [o, w, r, i, z];
    await waitUntil('no replica isolated', () => all.every((x) => x.box.state(ORIGIN) === 'open'), 5_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${all.map((x) => x.box.state(ORIGIN))}, key ${await fixture.admin.get(key())}`);
    });
    expect(await held()).toMatchObject({ kind: 'open' });
    const late = await sharing();
    expect(late.box.state(ORIGIN)).toBe('open');
  });
});

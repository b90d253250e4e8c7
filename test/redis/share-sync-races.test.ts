import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createBreakerBox } from '../../src/index.js';
import { redisServerAvailable } from './helpers/redis-server.js';
import { readHeldBack } from './helpers/read-held-back.js';
import { sharingFixture } from './helpers/sharing-fixture.js';
import { waitUntil } from './helpers/wait.js';

/**
 * A replica reads every origin's key when it (re)connects, while signals keep arriving on the
 * channel. These tests hold a key read's answer back on purpose (a busy machine does the
 * same by accident) so that a signal lands between the read and its answer: what the signal
 * said must stand, since the keys were read before it.
 */

const ORIGIN = 'https://api.example.com';

describe.skipIf(!redisServerAvailable())('shareOpenState while a key read is in flight', () => {
  const fixture = sharingFixture('races');
  const { connect } = fixture;
  /** A box sharing through `client` and a fresh subscriber, once it is up. */
  const sharing = async (client?: Redis) => (await fixture.sharing(client)).box;
  const key = () => `${fixture.prefix}open:${ORIGIN}`;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

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
    await waitUntil('the key', async () => (await fixture.admin.exists(key())) === 1);
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
    await waitUntil('the key', async () => (await fixture.admin.exists(key())) === 1);
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
    await waitUntil('the isolate key', async () => (await fixture.admin.pttl(key())) === -1);
    const heard: string[] = [];
    const listener = connect();
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(`${fixture.prefix}open-state`);
    // The late box's client cannot connect yet; its subscriber can, and confirms first.
    const proxy = await fixture.proxy();
    proxy.cut();
    const late = createBreakerBox();
    const before = await fixture.channelSubscribers();
    fixture.share(late, connect(proxy.port), connect());
    late.openUntil(ORIGIN, Date.now() + 9_000);
    await waitUntil('the late subscription', async () => (await fixture.channelSubscribers()) === before + 1);
    await settle();
    proxy.heal();
    // Its open is told (the read that finds the isolate comes after it) ...
    await waitUntil('the late open on the channel', () => heard.some((m) => m.includes('"kind":"open"')));
    // ... and the key keeps the stronger isolate, which the late box then learns.
    await waitUntil('the late box learns the isolate', () => late.state(ORIGIN) === 'isolated');
    expect(await fixture.admin.pttl(key())).toBe(-1);
    expect(a.state(ORIGIN)).toBe('isolated');
  });
});

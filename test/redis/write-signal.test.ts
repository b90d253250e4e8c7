import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenSignal } from '../../src/redis/signal.js';
import { RESET_KEY_TTL, writeSignal } from '../../src/redis/write-signal.js';
import { redisServerAvailable, startRedisServer, type RedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait.js';

/** The script that merges a signal into its origin's key, on a real Redis: the one rule every replica's key obeys. */

const ORIGIN = 'https://api.example.com';
const now = Date.now();
const open = (at: number, until: number, from = 'a'): OpenSignal => ({ v: 1, from, origin: ORIGIN, at, kind: 'open', until });
const isolate = (at: number, from = 'a'): OpenSignal => ({ v: 1, from, origin: ORIGIN, at, kind: 'isolate' });
const reset = (at: number, from = 'a'): OpenSignal => ({ v: 1, from, origin: ORIGIN, at, kind: 'reset' });

describe.skipIf(!redisServerAvailable())('writeSignal', () => {
  let redis: RedisServer;
  let client: Redis;
  let listener: Redis;
  const heard: string[] = [];
  let run = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis({ host: '127.0.0.1', port: redis.port });
    listener = new Redis({ host: '127.0.0.1', port: redis.port });
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe('write-signal');
  });
  afterAll(async () => {
    await Promise.all([client?.quit(), listener?.quit()]);
    await redis?.stop();
  });

  /** Write `first`, then `second`, into a fresh key: whether the second was written, what the key holds, and its TTL. */
  const merge = async (first: OpenSignal, second: OpenSignal, publish: 'always' | 'if-written' = 'if-written') => {
    const key = `ws${++run}:${ORIGIN}`;
    expect(await writeSignal(client, key, 'write-signal', first, 'always')).toBe(true);
    const answer = await writeSignal(client, key, 'write-signal', second, publish);
    // Not written: the script answers with what the key holds.
    if (answer !== true) expect(answer).toBe(await client.get(key));
    return { written: answer === true, held: JSON.parse((await client.get(key))!) as OpenSignal, ttl: await client.pttl(key) };
  };

  it.each([
    ['a reset said after an isolate', isolate(now), reset(now + 1), true],
    ['an isolate said before the reset in the key', reset(now + 1), isolate(now), false],
    ['an open said before the reset in the key', reset(now + 1), open(now, now + 60_000), false],
    ['an open said after the reset in the key', reset(now), open(now + 1, now + 60_000), true],
    ['a reset said before the open in the key', open(now + 1, now + 60_000), reset(now), false],
    ['an open, over an isolate said before it', isolate(now), open(now + 1, now + 60_000), false],
    ['an isolate, over an open said after it', open(now + 1, now + 60_000), isolate(now), true],
    ['an open that ends later', open(now, now + 10_000), open(now - 5, now + 20_000), true],
    ['an open that ends sooner, though said later', open(now, now + 20_000), open(now + 5, now + 10_000), false],
    ['the same isolate again', isolate(now), isolate(now), false],
    ['a reset said at the same ms by a replica whose id sorts after', isolate(now, 'a'), reset(now, 'b'), true],
    ['a reset said at the same ms by a replica whose id sorts before', isolate(now, 'b'), reset(now, 'a'), false],
  ])('%s', async (_name, first, second, expected) => {
    const { written, held } = await merge(first, second);
    expect(written).toBe(expected);
    // A word written over a reset names it, so the key still knows of the reset.
    const named = first.kind === 'reset' && second.kind !== 'reset' ? { ...second, since: { at: first.at, from: first.from } } : second;
    // A reset refused (said before the key's word) becomes the word's since: the key knows of it still.
    const kept = second.kind === 'reset' && first.kind !== 'reset' ? { ...first, since: { at: second.at, from: second.from } } : first;
    expect(held).toEqual(expected ? named : kept);
  });

  it('remembers a reset through the words written over it: nothing said before it gets in', async () => {
    const key = `ws${++run}:${ORIGIN}`;
    await writeSignal(client, key, 'write-signal', reset(now + 10, 'a'), 'always');
    await writeSignal(client, key, 'write-signal', open(now + 20, now + 60_000, 'a'), 'always');
    // An isolate said before the reset (a replica back from a partition) outweighs an open, but not the reset.
    expect(await writeSignal(client, key, 'write-signal', isolate(now, 'b'), 'if-written')).not.toBe(true);
    // Another open said after it, ending later, carries the reset on.
    expect(await writeSignal(client, key, 'write-signal', open(now + 30, now + 90_000, 'c'), 'always')).toBe(true);
    expect(JSON.parse((await client.get(key))!)).toMatchObject({ kind: 'open', from: 'c', since: { at: now + 10, from: 'a' } });
    expect(await writeSignal(client, key, 'write-signal', isolate(now + 5, 'b'), 'if-written')).not.toBe(true);
  });

  it('lets a word that names a reset said after the key’s word replace it, an isolate included', async () => {
    const key = `ws${++run}:${ORIGIN}`;
    await writeSignal(client, key, 'write-signal', isolate(now, 'b'), 'always');
    const afterReset = { ...open(now + 20, now + 30_000, 'a'), since: { at: now + 10, from: 'a' } } as OpenSignal;
    expect(await writeSignal(client, key, 'write-signal', afterReset, 'if-written')).toBe(true);
    // An open that names a reset keeps its key as long as the reset's would be kept.
    expect(await client.pttl(key)).toBeGreaterThan(RESET_KEY_TTL - 60_000);
    const later = { ...open(now + 30, now + 10_000, 'c'), since: { at: now + 25, from: 'c' } } as OpenSignal;
    expect(await writeSignal(client, key, 'write-signal', later, 'if-written')).toBe(true);
  });

  it('answers a new word it does not write with the key’s word, on the channel too', async () => {
    heard.length = 0;
    const key = `ws${++run}:${ORIGIN}`;
    await writeSignal(client, key, 'write-signal', reset(now + 10), 'always');
    const answer = await writeSignal(client, key, 'write-signal', isolate(now, 'b'), 'always');
    expect(JSON.parse(answer as string)).toEqual(reset(now + 10));
    await waitUntil('three messages', () => heard.length === 3);
    expect(heard.map((m) => (JSON.parse(m) as OpenSignal).kind)).toEqual(['reset', 'isolate', 'reset']);
  });

  it('gives each kind its lifetime: an open until its end, an isolate none, a reset a day from when it was said', async () => {
    expect((await merge(reset(now - 1), open(now, Date.now() + 30_000))).ttl).toBeGreaterThan(29_000);
    expect((await merge(open(now - 1, now + 1_000), isolate(now))).ttl).toBe(-1);
    const { ttl } = await merge(isolate(now - 7_200_000), reset(Date.now() - 3_600_000));
    expect(ttl).toBeGreaterThan(RESET_KEY_TTL - 3_600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(RESET_KEY_TTL - 3_600_000);
  });

  it('publishes a word put back only when it was written, and a new one always', async () => {
    heard.length = 0;
    await merge(reset(now + 10), isolate(now), 'if-written');
    await merge(reset(now + 10), isolate(now), 'always');
    // Two firsts (always), the one 'always' second, and the key's word it answers with.
    await waitUntil('four messages', () => heard.length === 4);
    expect(heard.map((m) => (JSON.parse(m) as OpenSignal).kind)).toEqual(['reset', 'reset', 'isolate', 'reset']);
  });

  it('overwrites a key that holds no signal of ours', async () => {
    const key = `ws${++run}:${ORIGIN}`;
    await client.set(key, 'not json');
    expect(await writeSignal(client, key, 'write-signal', isolate(now), 'if-written')).toBe(true);
  });
});

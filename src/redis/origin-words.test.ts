import { describe, expect, it } from 'vitest';
import { OriginWords, saidAfter } from './origin-words.js';
import type { OpenSignal } from './signal.js';

const ORIGIN = 'https://api.example.com';
const holdsAll = () => true;
const open = (at: number, until: number, from = 'a', origin = ORIGIN): OpenSignal => ({ v: 1, from, origin, at, kind: 'open', until });
const isolate = (at: number, from = 'a', origin = ORIGIN): OpenSignal => ({ v: 1, from, origin, at, kind: 'isolate' });
const reset = (at: number, from = 'a', origin = ORIGIN): OpenSignal => ({ v: 1, from, origin, at, kind: 'reset' });

describe('OriginWords', () => {
  it('orders by when a word was said, ties by replica id', () => {
    expect(saidAfter(reset(2), isolate(1))).toBe(true);
    expect(saidAfter(isolate(1), reset(2))).toBe(false);
    expect(saidAfter(reset(1, 'b'), isolate(1, 'a'))).toBe(true);
    expect(saidAfter(isolate(1, 'a'), reset(1, 'b'))).toBe(false);
  });

  it('lets a reset undo only what was said before it', () => {
    const words = new OriginWords(10);
    expect(words.hear(isolate(1), holdsAll)).toBe('newer');
    expect(words.hear(reset(2), holdsAll)).toBe('newer');
    // The isolate repeated late (a replica back from a partition) is older than the reset.
    expect(words.hear(isolate(1), holdsAll)).toBe('stale');
    expect(words.latest(ORIGIN)).toEqual(reset(2));
    // A reset older than the isolate in force undoes nothing; what we know is newer.
    expect(words.hear(isolate(3), holdsAll)).toBe('newer');
    expect(words.hear(reset(2.5), holdsAll)).toBe('stale');
    // Put back, it names the latest reset it was said after.
    expect(words.latest(ORIGIN)).toEqual({ ...isolate(3), since: { at: 2.5, from: 'a' } });
  });

  it('keeps an isolate over any open, and of two opens the one that ends later', () => {
    const words = new OriginWords(10);
    expect(words.hear(open(1, 100), holdsAll)).toBe('newer');
    expect(words.hear(open(2, 50), holdsAll)).toBe('stale');
    expect(words.hear(open(3, 200), holdsAll)).toBe('newer');
    expect(words.hear(isolate(4), holdsAll)).toBe('newer');
    expect(words.hear(open(5, 900), holdsAll)).toBe('stale');
    expect(words.latest(ORIGIN)).toEqual(isolate(4));
  });

  it('calls a word heard again known, not news', () => {
    const words = new OriginWords(10);
    words.hear(open(1, 100), holdsAll);
    expect(words.hear(open(1, 100), holdsAll)).toBe('known');
    words.hear(reset(2), holdsAll);
    expect(words.hear(reset(2), holdsAll)).toBe('known');
  });

  it('takes this replica’s own word as the latest, and dates the next one after everything known', () => {
    const words = new OriginWords(10);
    words.hear(isolate(1_000, 'peer'), holdsAll);
    expect(words.lastAt(ORIGIN)).toBe(1_000);
    words.said(reset(1_001), holdsAll);
    expect(words.latest(ORIGIN)).toEqual(reset(1_001));
    expect(words.lastAt('https://never.example.com')).toBe(0);
  });

  it('stays bounded: words that no longer hold go first, then the oldest, never a live one while a dead one is left', () => {
    // A bound of 3 keeps 2 (90 %, rounded down) when it has to make room, then adds the new word.
    const words = new OriginWords(3);
    const live = new Set(['https://a.test', 'https://b.test']);
    const holds = (signal: OpenSignal) => live.has(signal.origin);
    words.said(isolate(1, 'a', 'https://a.test'), holds);
    words.said(open(2, 10, 'a', 'https://ended.test'), holds);
    words.said(isolate(3, 'a', 'https://b.test'), holds);
    words.said(isolate(4, 'a', 'https://c.test'), holds);
    expect([...words.origins()]).toEqual(['https://a.test', 'https://b.test', 'https://c.test']);

    // Full of live words: the oldest goes.
    live.add('https://c.test');
    live.add('https://d.test');
    words.said(isolate(5, 'a', 'https://d.test'), holds);
    expect([...words.origins()]).toEqual(['https://b.test', 'https://c.test', 'https://d.test']);
    // A flood of origins costs one prune per tenth of the bound, not one per origin.
    let checks = 0;
    const big = new OriginWords(1_000);
    for (let i = 0; i < 20_000; i++) {
      big.said(
        isolate(i, 'a', `https://h${i}.test`),
        () => {
          checks++;
          return true;
        },
      );
    }
    expect([...big.origins()].length).toBeLessThanOrEqual(1_000);
    expect(checks).toBeLessThan(20_000 * 20);
  });

  it('keeps a reset when the open said after it ends, so a word from before the reset is still stale', () => {
    const words = new OriginWords(10);
    words.hear(reset(2), holdsAll);
    words.hear(open(3, 100), holdsAll);
    // The open ended; the reset still holds.
    words.prune((signal) => signal.kind === 'reset');
    expect(words.latest(ORIGIN)).toEqual(reset(2));
    expect(words.hear(isolate(1), holdsAll)).toBe('stale');
  });

  it('keeps an open an isolate outweighs, so a reset said between them leaves the open standing', () => {
    const words = new OriginWords(10);
    // Our open (said at 3), then an isolate said before it (at 1) that outweighs it.
    words.said(open(3, 100, 'c'), holdsAll);
    expect(words.hear(isolate(1, 'b'), holdsAll)).toBe('newer');
    expect(words.latest(ORIGIN)).toMatchObject({ kind: 'isolate' });
    // A reset said at 2 undoes the isolate, not the open.
    expect(words.hear(reset(2, 'a'), holdsAll)).toBe('newer');
    expect(words.latest(ORIGIN)).toMatchObject({ kind: 'open', at: 3, until: 100 });
    // A longer open outweighing a shorter one said later: the reset between them leaves the later one.
    const other = new OriginWords(10);
    other.hear(open(1, 500, 'b'), holdsAll);
    expect(other.hear(open(3, 100, 'c'), holdsAll)).toBe('stale');
    other.hear(reset(2, 'a'), holdsAll);
    expect(other.latest(ORIGIN)).toMatchObject({ kind: 'open', at: 3, until: 100 });
  });

  it('keeps every outweighed open a late reset could leave best, and takes the one that ends last', () => {
    const words = new OriginWords(10);
    words.said(open(3, 30_000, 'c'), holdsAll);
    words.hear(isolate(1, 'b'), holdsAll);
    // Said later than c's but ending sooner: neither outdoes the other.
    expect(words.hear(open(4, 4_000, 'd'), holdsAll)).toBe('stale');
    expect(words.hear(reset(2, 'a'), holdsAll)).toBe('newer');
    expect(words.latest(ORIGIN)).toMatchObject({ kind: 'open', from: 'c', until: 30_000 });
    // A reset between the two leaves only the later one.
    const other = new OriginWords(10);
    other.said(open(3, 30_000, 'c'), holdsAll);
    other.hear(isolate(1, 'b'), holdsAll);
    other.hear(open(5, 4_000, 'd'), holdsAll);
    other.hear(reset(4, 'a'), holdsAll);
    expect(other.latest(ORIGIN)).toMatchObject({ kind: 'open', from: 'd' });
  });
});

import { expect } from 'vitest';
import type { Scenario } from './scenarios.js';
import { counts, settle } from './scenarios.js';

/** Waits until the host has let go of every stream, or the time is up; returns the open count. */
async function drained(openStreams: () => number, within = 1_000): Promise<number> {
  const until = Date.now() + within;
  while (openStreams() > 0 && Date.now() < until) await settle(10);
  return openStreams();
}

/**
 * Bodies and time (issues 9 and 10): `timeout` stops at the headers, `bodyTimeout` bounds
 * pauses, a body that breaks counts, and the cache never holds a stream open.
 */
export const bodyScenarios: Scenario[] = [
  {
    name: 'timeout never cuts a body that has started (0.1 cut it and counted a success)',
    options: { breaker: { failureThreshold: 1 }, timeout: 100 },
    async run({ client, box, host }) {
      host.set({ stream: { chunks: 6, every: 60 } });
      const result = await client.get(`${host.origin}/stream`);
      expect(result).toEqual({ kind: 'response', status: 200, body: 'first;chunk1;chunk2;chunk3;chunk4;chunk5;', fallback: null });
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'an endless event stream runs past a short timeout',
    options: { timeout: 50, fallback: { cache: true } },
    async run({ client, host }) {
      host.set('endless');
      const result = await client.stream(`${host.origin}/events`, { take: 8 });
      expect(result).toMatchObject({ chunks: expect.arrayContaining(['data: 7\n\n']) });
      expect((result as { error?: string }).error).toBeUndefined();
      expect(await drained(host.openStreams)).toBe(0);
    },
  },
  {
    name: 'a body that stalls past bodyTimeout fails the read and counts as a failure',
    realServerOnly: 'aborting a body under MSW 3 makes undici throw an uncaught assertion',
    options: { breaker: { failureThreshold: 1 }, bodyTimeout: 100 },
    async run({ client, box, host }) {
      host.set('bodyStall');
      expect(await client.get(`${host.origin}/stall`)).toEqual({ kind: 'error', name: 'TimeoutError' });
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 1, successes: 0, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'a streamed body that stalls past bodyTimeout fails the caller’s read with a timeout, not a cancel',
    realServerOnly: 'aborting a body under MSW 3 makes undici throw an uncaught assertion',
    options: { breaker: { failureThreshold: 1 }, bodyTimeout: 100 },
    async run({ client, box, host }) {
      host.set('bodyStall');
      expect(await client.stream(`${host.origin}/stall`)).toEqual({ chunks: ['first;'], error: 'TimeoutError' });
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 1, successes: 0, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'a body that breaks off after the headers counts as a failure (0.1: a success through fetch)',
    options: { breaker: { failureThreshold: 2 } },
    async run({ client, box, host }) {
      host.set('bodyReset');
      expect(await client.get(`${host.origin}/reset`)).toEqual({ kind: 'error', name: 'NetworkError' });
      expect(await client.get(`${host.origin}/reset`)).toEqual({ kind: 'error', name: 'NetworkError' });
      expect(await client.get(`${host.origin}/reset`)).toEqual({ kind: 'open' });
      expect(counts(box, host.origin)).toEqual({ state: 'open', failures: 2, successes: 0, rejected: 1, fallbacks: 0 });
    },
  },
  {
    name: 'cancelling an endless event stream with the cache on lets go at once (0.1 hung)',
    options: { fallback: { cache: true } },
    async run({ client, box, host }) {
      host.set('endless');
      const started = Date.now();
      const result = await client.stream(`${host.origin}/events`, { take: 3, leave: 'cancel' });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(result).toMatchObject({ chunks: ['data: 0\n\n', 'data: 1\n\n', 'data: 2\n\n'] });
      expect(await drained(host.openStreams)).toBe(0);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'breaking out of an endless event stream with the cache on lets go at once (0.1 never left the loop)',
    options: { fallback: { cache: true } },
    async run({ client, box, host }) {
      host.set('endless');
      const started = Date.now();
      const result = await client.stream(`${host.origin}/events`, { take: 2, leave: 'break' });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(result).toMatchObject({ chunks: ['data: 0\n\n', 'data: 1\n\n'] });
      expect(await drained(host.openStreams)).toBe(0);
      // The caller leaving is not the host failing (axios' http adapter: Node reports the
      // stream it destroyed as 'aborted', ECONNRESET).
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'breaking out of an event stream with a timeout set counts no failure either',
    // With a timeout the attempt has a signal, and axios then reads the body through its
    // progress stream, which Node reports destroyed with an AbortError.
    options: { timeout: 5_000, fallback: { cache: true } },
    async run({ client, box, host }) {
      host.set('endless');
      const result = await client.stream(`${host.origin}/events`, { take: 2, leave: 'break' });
      expect(result).toMatchObject({ chunks: ['data: 0\n\n', 'data: 1\n\n'] });
      expect(await drained(host.openStreams)).toBe(0);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  ...[
    { leave: 'abort' as const, timing: {} },
    { leave: 'abort' as const, timing: { timeout: 5_000 } },
    { leave: 'deadline' as const, timing: { timeout: 5_000 } },
  ].map(({ leave, timing }) => ({
    name:
      leave === 'deadline'
        ? "the caller's own deadline (a TimeoutError) ending an event stream counts no failure"
        : `aborting the caller's signal in the middle of an event stream counts no failure${'timeout' in timing ? ', with a timeout set' : ''}`,
    // Three in a row would open a breaker with failureThreshold 3, were they counted.
    options: { ...timing, breaker: { failureThreshold: 3 }, fallback: { cache: true } },
    async run({ client, box, host }: Parameters<Scenario['run']>[0]) {
      host.set('endless');
      for (let i = 0; i < 3; i++) {
        const result = await client.stream(`${host.origin}/events`, { take: 2, leave });
        // Chunks already buffered may still be read after the abort.
        expect('chunks' in result && result.chunks.slice(0, 2)).toEqual(['data: 0\n\n', 'data: 1\n\n']);
      }
      expect(await drained(host.openStreams)).toBe(0);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 3, rejected: 0, fallbacks: 0 });
    },
  })),
  {
    name: 'a caller that pauses between reads for longer than bodyTimeout is not a host that stalled',
    // The host never pauses (a chunk every 20 ms); the caller takes longer than bodyTimeout
    // over one chunk (and than axios' http adapter's floor of 500 ms).
    options: { bodyTimeout: 200, breaker: { failureThreshold: 1 } },
    async run({ client, box, host }) {
      host.set('endless');
      const result = await client.stream(`${host.origin}/events`, { take: 4, pauseAfter: 2, pauseMs: 700 });
      // What arrived during the pause may come as one chunk; no error either way.
      expect(result).not.toHaveProperty('error');
      expect('chunks' in result && result.chunks.join('')).toMatch(/^data: 0\n\ndata: 1\n\ndata: 2\n\n/);
      expect(await drained(host.openStreams)).toBe(0);
      expect(counts(box, host.origin)).toEqual({ state: 'closed', failures: 0, successes: 1, rejected: 0, fallbacks: 0 });
    },
  },
  {
    name: 'a streamed body read to the end is cached as the caller read it, and replayed while open',
    options: { breaker: { failureThreshold: 1 }, fallback: { cache: true } },
    async run({ client, host }) {
      host.set({ stream: { chunks: 3, every: 10 } });
      const live = await client.stream(`${host.origin}/feed`);
      expect(live).toEqual({ chunks: ['first;', 'chunk1;', 'chunk2;'] });
      await settle();
      host.set('network');
      await client.get(`${host.origin}/trip`);
      const replay = await client.get(`${host.origin}/feed`);
      if (client.cachesStreams) expect(replay).toEqual({ kind: 'response', status: 200, body: 'first;chunk1;chunk2;', fallback: 'cache' });
      else expect(replay).toEqual({ kind: 'open' });
    },
  },
];

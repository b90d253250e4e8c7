/**
 * Issue 10: what a user can get wrong, and what breakerbox must then do: fail clearly, naming
 * the option, and never record or create anything for a call it refused. Each case says what
 * 0.1 did.
 */
import ky from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBreakerBox, isCircuitOpenError } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { kyOptions } from '../../src/adapters/ky/index.js';
import { listenLoopback, type LoopbackServer } from '../helpers/listen-loopback.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { takeUnhandledRejections } from '../setup/fail-on-unhandled.js';

let server: LoopbackServer;
let hits = 0;
beforeAll(async () => {
  server = await listenLoopback((req, res, url) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-method': req.method ?? '' });
    res.end(`ok ${url.pathname}`);
  });
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('globalThis.fetch = createFetch(box), with no options.fetch', () => {
  it('throws a clear TypeError on call and records nothing (0.1 recursed until the stack overflowed, counted two network failures and opened the breaker)', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    const original = globalThis.fetch;
    const before = hits;
    let error: unknown;
    try {
      globalThis.fetch = createFetch(box);
      error = await fetch(`${server.origin}/self`).catch((caught: unknown) => caught);
    } finally {
      globalThis.fetch = original;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/globalThis\.fetch, which is itself.*patchGlobalFetch/);
    expect(box.snapshot()).toEqual([]);
    expect(hits).toBe(before);
  });
});

describe('listeners', () => {
  it("an async 'stateChange' listener that rejects is reported with console.error, never an unhandled rejection (0.1: unhandled, exit code 1)", async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const box = createBreakerBox({ breaker: { failureThreshold: 1 } });
    box.on('stateChange', async () => {
      await Promise.resolve();
      throw new Error('listener broke');
    });
    const permit = box.admit('https://api.example.com/x');
    if (!permit.allowed) throw new Error('expected admission');
    permit.record({ kind: 'network' });
    expect(box.state('https://api.example.com')).toBe('open');
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(takeUnhandledRejections()).toEqual([]);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toContain("'stateChange' listener failed");
    expect((errors.mock.calls[0]![1] as Error).message).toBe('listener broke');
  });

  it("box.on('constructor', fn) throws the unknown-event TypeError (0.1 found Object.prototype.constructor)", () => {
    const box = createBreakerBox();
    expect(() => box.on('constructor' as never, () => {})).toThrow(TypeError);
    expect(() => box.on('constructor' as never, () => {})).toThrow(/event must be one of .*'stateChange'.*got "constructor"/);
  });
});

describe('admit() with bad input', () => {
  it("admit('ftp://x') throws a TypeError and creates no breaker (0.1 created one)", () => {
    const box = createBreakerBox();
    expect(() => box.admit('ftp://x')).toThrow(TypeError);
    expect(() => box.admit('ftp://x')).toThrow(/only http\(s\) URLs/);
    expect(box.snapshot()).toEqual([]);
  });

  it('admit(url, { method: 5 }) throws a TypeError naming method (0.1: "toUpperCase is not a function")', () => {
    const box = createBreakerBox();
    expect(() => box.admit('https://api.example.com/x', { method: 5 as never })).toThrow(TypeError);
    expect(() => box.admit('https://api.example.com/x', { method: 5 as never })).toThrow(/method must be a string, got number/);
  });

  it('admit(url, { method: 5 }) that threw leaves no breaker behind, like the ftp URL', () => {
    const box = createBreakerBox();
    expect(() => box.admit('https://api.example.com/x', { method: 5 as never })).toThrow(TypeError);
    expect(box.snapshot()).toEqual([]);
  });

  it('fetch with { method: 5 } behaves like plain fetch (fetch turns it into the string "5"): same status, no crash in breakerbox', async () => {
    const plain = await fetch(`${server.origin}/m`, { method: 5 as never });
    const box = createBreakerBox();
    const wrapped = await createFetch(box, { fetch })(`${server.origin}/m`, { method: 5 as never });
    expect(wrapped.status).toBe(plain.status);
    expect(await wrapped.text()).toBe(await plain.text());
    expect(box.snapshot()).toMatchObject([{ origin: server.origin, state: 'closed', failures: 0, successes: 1 }]);
  });
});

describe('fallback.value bodies that cannot be serialised', () => {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;

  it.each([
    ['a BigInt', { count: 10n }],
    ['a circular object', circular],
  ])('%s as a static body fails at construction, naming options.fallback.value.body (0.1: "Do not know how to serialize a BigInt" on the first refusal)', (_what, body) => {
    expect(() => createBreakerBox({ fallback: { value: { body } } })).toThrow(TypeError);
    expect(() => createBreakerBox({ fallback: { value: { body } } })).toThrow(/options\.fallback\.value\.body must be a string, bytes or a JSON-serialisable value/);
  });

  it.each([
    ['a BigInt', { count: 10n }],
    ['a circular object', circular],
  ])('%s returned by a fallback.value function fails at request time, naming the value returned by fallback.value()', async (_what, body) => {
    const box = createBreakerBox({ fallback: { value: () => ({ body }) } });
    box.isolate(server.origin);
    const error = await createFetch(box)(`${server.origin}/v`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^the value returned by fallback\.value\(\)\.body must be a string, bytes or a JSON-serialisable value/);
  });
});

describe('a replaced global Headers (ky\'s own test "works with nullish headers even in old browsers")', () => {
  it('with the cache on, fetch and ky still work, stored and replayed, when new Headers(undefined) throws', async () => {
    const Original = globalThis.Headers;
    // What ky's test installs: an old browser's Headers, which refuses undefined and null.
    class OldBrowserHeaders extends Original {
      constructor(init?: HeadersInit) {
        if (init === undefined || init === null) throw new TypeError("Failed to construct 'Headers': The provided value is not of type 'HeadersInit'");
        super(init);
      }
    }
    const box = createBreakerBox({ fallback: { cache: true } });
    const resilientFetch = createFetch(box);
    const api = ky.create({ ...kyOptions(box), retry: 0 });
    globalThis.Headers = OldBrowserHeaders;
    try {
      expect(await (await resilientFetch(`${server.origin}/headers-fetch`)).text()).toBe('ok /headers-fetch');
      expect(await api.get(`${server.origin}/headers-ky`).text()).toBe('ok /headers-ky');
      box.isolate(server.origin);
      const replayed = await resilientFetch(`${server.origin}/headers-fetch`);
      expect(replayed.headers.get('x-breakerbox-fallback')).toBe('cache');
      expect(await replayed.text()).toBe('ok /headers-fetch');
      expect(await api.get(`${server.origin}/headers-ky`).text()).toBe('ok /headers-ky');
    } finally {
      globalThis.Headers = Original;
    }
  });
});

describe('time', () => {
  it('a clock stepped back an hour while open keeps the breaker open at most its open time (0.1: 55 more minutes)', () => {
    const clock = createManualClock(10_000_000);
    const box = createBreakerBox({ clock, breaker: { failureThreshold: 1, openDuration: 30_000 } });
    const url = 'https://api.example.com/x';
    const permit = box.admit(url);
    if (!permit.allowed) throw new Error('expected admission');
    permit.record({ kind: 'network' });
    clock.advance(5_000);
    expect(box.admit(url).allowed).toBe(false);
    clock.advance(-3_600_000);
    // Still open right after the step: the clock going back is not the open time ending.
    expect(box.admit(url).allowed).toBe(false);
    clock.advance(29_999);
    expect(box.admit(url).allowed).toBe(false);
    // One open time (30 s) after the step back at the latest, a probe goes out; 0.1 waited
    // for the clock to come back to openedAt + 30 s, almost an hour.
    clock.advance(1);
    expect(box.admit(url).allowed).toBe(true);
    expect(box.state(url)).toBe('half-open');
  });

  it('createBreakerBox({ breaker: { openDuration: 400_000 } }) does not throw, and opens for 400 s (0.1 threw about maxOpenDuration, never set)', () => {
    const clock = createManualClock();
    const box = createBreakerBox({ clock, breaker: { failureThreshold: 1, openDuration: 400_000 } });
    const url = 'https://api.example.com/x';
    const permit = box.admit(url);
    if (!permit.allowed) throw new Error('expected admission');
    permit.record({ kind: 'network' });
    clock.advance(399_999);
    expect(box.admit(url).allowed).toBe(false);
    clock.advance(1);
    expect(box.admit(url).allowed).toBe(true);
  });
});

describe('refusals are still refusals', () => {
  it('an isolated origin refuses with CircuitOpenError and sends nothing', async () => {
    const box = createBreakerBox();
    box.isolate(server.origin);
    const before = hits;
    expect(isCircuitOpenError(await createFetch(box)(`${server.origin}/x`).catch((caught: unknown) => caught))).toBe(true);
    expect(hits).toBe(before);
  });
});

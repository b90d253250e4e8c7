import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ok, serverError, testBox } from '../core/test-support.js';

const origin = (i: number) => `https://h${i}.example.com`;

describe('registry bound (maxOrigins)', () => {
  it('never holds more than maxOrigins breakers', () => {
    const t = testBox({ maxOrigins: 50 });
    for (let i = 0; i < 10_000; i++) t.run(ok, origin(i));
    expect(t.box.snapshot()).toHaveLength(50);
  });

  it('evicts idle closed breakers before open ones', () => {
    const t = testBox({ maxOrigins: 3, breaker: { failureThreshold: 1 } });
    t.run(serverError, origin(0)); // open
    t.run(ok, origin(1));
    t.run(ok, origin(2));
    for (let i = 3; i < 20; i++) t.run(ok, origin(i));
    expect(t.box.state(origin(0))).toBe('open');
    expect(t.box.snapshot().map((s) => s.origin)).toContain(origin(0));
  });

  it('gives recently used closed breakers a second chance', () => {
    const t = testBox({ maxOrigins: 3 });
    t.run(ok, origin(0));
    t.run(ok, origin(1));
    t.run(ok, origin(2));
    t.run(ok, origin(3)); // the scan clears every bit, then evicts h0
    t.run(ok, origin(1)); // h1 used again
    t.run(ok, origin(4)); // h2 goes, h1 stays
    expect(t.box.snapshot().map((s) => s.origin).sort()).toEqual([origin(1), origin(3), origin(4)].sort());
  });

  it('keeps breakers with requests in flight over idle ones', () => {
    const t = testBox({ maxOrigins: 2 });
    const inFlight = t.box.admit(origin(0));
    t.run(ok, origin(1));
    for (let i = 2; i < 10; i++) t.run(ok, origin(i));
    expect(t.box.snapshot().map((s) => s.origin)).toContain(origin(0));
    if (inFlight.allowed) inFlight.record(ok);
  });

  it('never evicts an isolated breaker', () => {
    const t = testBox({ maxOrigins: 2 });
    t.box.isolate(origin(0));
    for (let i = 1; i < 100; i++) t.run(ok, origin(i));
    expect(t.box.state(origin(0))).toBe('isolated');
    expect(t.box.snapshot()).toHaveLength(2);
  });

  it('evicts open breakers when nothing else is left, to stay bounded', () => {
    const t = testBox({ maxOrigins: 10, breaker: { failureThreshold: 1 } });
    for (let i = 0; i < 1_000; i++) t.run(serverError, origin(i));
    expect(t.box.snapshot()).toHaveLength(10);
  });
});

describe('host options', () => {
  const exact = 'https://payments.example.com';

  it('applies an exact origin, then the longest pattern, then the defaults', () => {
    const t = testBox({
      breaker: { failureThreshold: 5 },
      hosts: {
        '*.example.com': { breaker: { failureThreshold: 4 } },
        '*.internal.example.com': { breaker: { failureThreshold: 3 } },
        [exact]: { breaker: { failureThreshold: 2 } },
      },
    });
    const opensAfter = (url: string) => {
      for (let n = 1; n <= 6; n++) {
        t.run(serverError, url);
        if (t.box.state(url) === 'open') return n;
      }
      return Infinity;
    };
    expect(opensAfter(exact)).toBe(2);
    expect(opensAfter('http://db.internal.example.com:8080')).toBe(3);
    expect(opensAfter('https://www.example.com')).toBe(4);
    expect(opensAfter('https://example.com')).toBe(5);
    expect(opensAfter('https://example.org')).toBe(5);
  });

  it('merges host options over the defaults field by field', () => {
    const t = testBox({ breaker: { failureThreshold: 2, openDuration: 1_000 }, hosts: { [exact]: { breaker: { openDuration: 9_000 } } } });
    t.fail(2, exact);
    expect(t.box.state(exact)).toBe('open');
    t.advance(1_000);
    expect(t.box.state(exact)).toBe('open');
    t.advance(8_000);
    expect(t.box.state(exact)).toBe('half-open');
  });

  it('gives each origin its own timeout, and Infinity turns the default off', () => {
    const t = testBox({ timeout: 5_000, hosts: { '*.slow.example.com': { timeout: Infinity }, [exact]: { timeout: 1_000 } } });
    const timeoutOf = (url: string) => {
      const permit = t.box.admit(url);
      return permit.allowed ? permit.timeout : 'refused';
    };
    expect(timeoutOf(exact)).toBe(1_000);
    expect(timeoutOf('https://a.slow.example.com')).toBeUndefined();
    expect(timeoutOf('https://other.example.com')).toBe(5_000);
  });
});

describe('recently found breakers', () => {
  it('gives each request its own origin while the app takes turns between a few hosts', () => {
    const t = testBox({ breaker: { failureThreshold: 100 } });
    // Five hosts in turn: more than the recent breakers kept, so some turns parse the origin.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 5; i++) t.run(i === 0 ? serverError : ok, `${origin(i)}/v1/items?page=${round}`);
      t.run(ok, `${origin(1)}:443/v1`); // not the canonical spelling: parsed, then found
      t.run(ok, 'https://h1.example.co/'); // a prefix of h1's origin, but another host
    }
    const counts = Object.fromEntries(t.box.snapshot().map(({ origin: key, failures, successes }) => [key, { failures, successes }]));
    expect(counts).toEqual({
      [origin(0)]: { failures: 20, successes: 0 },
      [origin(1)]: { failures: 0, successes: 40 },
      [origin(2)]: { failures: 0, successes: 20 },
      [origin(3)]: { failures: 0, successes: 20 },
      [origin(4)]: { failures: 0, successes: 20 },
      'https://h1.example.co': { failures: 0, successes: 20 },
    });
  });

  it('never serves a breaker the registry has forgotten', () => {
    const t = testBox({ maxOrigins: 2, breaker: { failureThreshold: 2 } });
    t.run(serverError, origin(0)); // a failure streak keeps h0 over h1
    t.run(ok, origin(1));
    t.run(ok, origin(2)); // evicts h1, which was found recently
    t.run(serverError, origin(1));
    // A stale h1 would have taken that failure out of sight of the registry.
    expect(t.box.snapshot().find((entry) => entry.origin === origin(1))).toMatchObject({ failures: 1, successes: 0 });
  });
});

describe('registry keys', () => {
  it('keeps its own copy of each origin, never the URL the origin was cut from', () => {
    // V8 slices a long string as a view that keeps the whole parent alive: a breaker keyed
    // by such a slice would hold its first URL (query string and all) for as long as it lives.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = testBox({ maxOrigins: 200 });
    const query = 'x'.repeat(50_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) t.run(ok, `${origin(i)}/search?q=${query}${i}`);
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    expect(t.box.snapshot().map((entry) => entry.origin)).toEqual(Array.from({ length: 200 }, (_, i) => origin(i)));
    // Keeping the URLs would cost 200 × 50 KB = 10 MB; 200 breakers with their keys, well under 1 MB.
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });
});

import { describe, expect, it } from 'vitest';
import { isCircuitOpenError } from '../errors.js';
import { Breaker } from './breaker.js';
import { resolveHostOptions } from './options.js';
import { ORIGIN, URL_A, ok, serverError, testBox } from './test-support.js';

describe('breaker: consecutive failures', () => {
  it('opens after failureThreshold consecutive failures', () => {
    const t = testBox({ breaker: { failureThreshold: 3 } });
    t.fail(2);
    expect(t.box.state(ORIGIN)).toBe('closed');
    t.fail();
    expect(t.box.state(ORIGIN)).toBe('open');
    expect(t.run(ok)).toBe('refused');
  });

  it('starts counting again after a success', () => {
    const t = testBox({ breaker: { failureThreshold: 3 } });
    t.fail(2);
    t.succeed();
    t.fail(2);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('uses 5 consecutive failures by default', () => {
    const t = testBox();
    t.fail(4);
    expect(t.box.state(ORIGIN)).toBe('closed');
    t.fail();
    expect(t.box.state(ORIGIN)).toBe('open');
  });

  it('never opens on consecutive failures when failureThreshold is Infinity', () => {
    const t = testBox({ breaker: { failureThreshold: Infinity } });
    t.fail(1000);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });
});

describe('breaker: failure rate', () => {
  const failureRate = { threshold: 0.5, minimumCalls: 4, window: 10_000 };

  it('opens when the ratio over the window reaches the threshold', () => {
    const t = testBox({ breaker: { failureThreshold: Infinity, failureRate } });
    t.succeed();
    t.fail();
    t.succeed();
    expect(t.box.state(ORIGIN)).toBe('closed');
    t.fail(); // 2 of 4
    expect(t.box.state(ORIGIN)).toBe('open');
  });

  it('does not judge the rate before minimumCalls', () => {
    const t = testBox({ breaker: { failureThreshold: Infinity, failureRate } });
    t.fail(3);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('forgets calls that slid out of the window', () => {
    const t = testBox({ breaker: { failureThreshold: Infinity, failureRate } });
    t.fail(3);
    t.advance(11_000);
    t.succeed(3);
    t.fail(); // 1 of 4 inside the window
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('keeps calls of earlier buckets that are still inside the window', () => {
    const t = testBox({ breaker: { failureThreshold: Infinity, failureRate } });
    t.fail(2);
    t.advance(5_000);
    t.succeed();
    t.fail(); // 3 of 4 over 5 s
    expect(t.box.state(ORIGIN)).toBe('open');
  });
});

describe('breaker: slow calls', () => {
  it('opens when the slow-call ratio reaches rateThreshold', () => {
    const t = testBox({ breaker: { slowCall: { duration: 1_000, rateThreshold: 0.5, minimumCalls: 2, window: 60_000 } } });
    const fast = t.box.admit(URL_A);
    if (fast.allowed) fast.record(ok);
    const slow = t.box.admit(URL_A);
    t.advance(1_500);
    if (slow.allowed) slow.record(ok);
    expect(t.box.state(ORIGIN)).toBe('open');
  });

  it('stays closed while calls are fast', () => {
    const t = testBox({ breaker: { slowCall: { duration: 1_000, minimumCalls: 2 } } });
    t.succeed(50);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });
});

describe('breaker: half-open', () => {
  it('admits halfOpenProbes at once after openDuration and refuses the rest at once', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000, halfOpenProbes: 2 } });
    t.fail();
    t.advance(999);
    expect(t.box.admit(URL_A).allowed).toBe(false);
    t.advance(1);
    expect(t.box.state(ORIGIN)).toBe('half-open');
    const probes = [t.box.admit(URL_A), t.box.admit(URL_A), t.box.admit(URL_A)];
    expect(probes.map((p) => p.allowed)).toEqual([true, true, false]);
  });

  it('closes when every probe succeeds', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000, halfOpenProbes: 2 } });
    t.fail();
    t.advance(1_000);
    const [a, b] = [t.box.admit(URL_A), t.box.admit(URL_A)];
    if (!a.allowed || !b.allowed) throw new Error('probes refused');
    a.record(ok);
    expect(t.box.state(ORIGIN)).toBe('half-open');
    b.record(ok);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('re-opens at the first failed probe, for twice as long', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    t.fail();
    t.advance(1_000);
    t.fail(); // the probe
    expect(t.box.state(ORIGIN)).toBe('open');
    t.advance(1_999);
    expect(t.box.state(ORIGIN)).toBe('open');
    t.advance(1);
    expect(t.box.state(ORIGIN)).toBe('half-open');
  });

  it('doubles the open time at each failed probe up to maxOpenDuration', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000, maxOpenDuration: 5_000 } });
    const openTimes: number[] = [];
    t.box.on('stateChange', (e) => {
      if (e.to === 'open') openTimes.push(e.openFor!);
    });
    t.fail();
    for (let i = 0; i < 4; i++) {
      t.advance(10_000);
      t.fail();
    }
    expect(openTimes).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('takes up to 20% off an escalated open time as jitter, never below openDuration', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 }, random: () => 0.999 });
    const openTimes: number[] = [];
    t.box.on('stateChange', (e) => {
      if (e.to === 'open') openTimes.push(e.openFor!);
    });
    t.fail();
    t.advance(1_000);
    t.fail();
    t.advance(10_000);
    t.fail();
    expect(openTimes[0]).toBe(1_000);
    expect(openTimes[1]).toBe(1_600); // 2_000 less 20%
    expect(openTimes[2]).toBe(3_201);
  });

  it('starts escalation over after the breaker closes', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const openTimes: number[] = [];
    t.box.on('stateChange', (e) => {
      if (e.to === 'open') openTimes.push(e.openFor!);
    });
    t.fail();
    t.advance(1_000);
    t.fail();
    t.advance(2_000);
    t.succeed();
    t.fail();
    expect(openTimes).toEqual([1_000, 2_000, 1_000]);
  });

  it('gives the probe slot back when the caller aborts the probe', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    t.fail();
    t.advance(1_000);
    expect(t.run({ kind: 'aborted' })).toBe('ignore');
    expect(t.box.state(ORIGIN)).toBe('half-open');
    expect(t.run(ok)).toBe('success');
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('gives the probe slot back when the classifier ignores the outcome', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 }, classify: (o) => (o.kind === 'response' && o.status === 418 ? 'ignore' : o.kind === 'response' && o.status < 500 ? 'success' : 'failure') });
    t.fail();
    t.advance(1_000);
    expect(t.run({ kind: 'response', status: 418 })).toBe('ignore');
    expect(t.box.admit(URL_A).allowed).toBe(true);
  });

  it('frees the slots of probes that never report after openDuration', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    t.fail();
    t.advance(1_000);
    const hung = t.box.admit(URL_A);
    expect(hung.allowed).toBe(true);
    expect(t.box.admit(URL_A).allowed).toBe(false);
    t.advance(1_000);
    const next = t.box.admit(URL_A);
    expect(next.allowed).toBe(true);
    // The hung probe's late success belongs to an old round and does not close the breaker.
    if (hung.allowed) hung.record(ok);
    expect(t.box.state(ORIGIN)).toBe('half-open');
    if (next.allowed) next.record(ok);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });
});

describe('breaker: outcomes from before a state change', () => {
  it('does not let a request admitted while closed re-open or close the breaker later', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const slow = t.box.admit(URL_A);
    t.fail(); // opens
    t.advance(1_000);
    const probe = t.box.admit(URL_A); // half-open
    if (slow.allowed) slow.record(ok);
    expect(t.box.state(ORIGIN)).toBe('half-open');
    if (probe.allowed) probe.record(serverError);
    expect(t.box.state(ORIGIN)).toBe('open');
  });

  it('still counts them in the snapshot', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    const slow = t.box.admit(URL_A);
    t.fail();
    if (slow.allowed) slow.record(ok);
    expect(t.box.snapshot()[0]).toMatchObject({ successes: 1, failures: 1 });
  });
});

describe('breaker: lifetime counters and open-state fields', () => {
  // The breaker keeps these outside its own object until first needed (memory per idle
  // origin, issue 15): they must read the same before, during and after that object exists.
  it('reports zero counters and no open time for an origin that only succeeded', () => {
    const t = testBox();
    t.succeed(3);
    expect(t.box.snapshot()).toEqual([{ origin: ORIGIN, state: 'closed', failures: 0, successes: 3, rejected: 0, fallbacks: 0 }]);
  });

  it('counts refusals and fallbacks of an open origin, and keeps them through close and reset', () => {
    const t = testBox({ breaker: { failureThreshold: 2, openDuration: 1_000 }, fallback: { value: { body: 'later' } } });
    t.fail(2);
    const openedAt = t.now();
    for (let i = 0; i < 3; i++) {
      const permit = t.box.admit(URL_A);
      if (!permit.allowed) void permit.fallback();
    }
    expect(t.box.snapshot()[0]).toMatchObject({ state: 'open', failures: 2, rejected: 3, fallbacks: 3, openedAt, retryAfter: 1_000 });
    t.advance(1_000);
    t.succeed();
    t.box.reset(ORIGIN);
    expect(t.box.snapshot()).toEqual([{ origin: ORIGIN, state: 'closed', failures: 2, successes: 1, rejected: 3, fallbacks: 3 }]);
  });

  it('counts a refusal that comes before any failure (an isolated origin)', () => {
    const t = testBox();
    t.box.isolate(URL_A);
    expect(t.run(ok)).toBe('refused');
    expect(t.box.snapshot()[0]).toMatchObject({ state: 'isolated', failures: 0, successes: 0, rejected: 1, openedAt: t.now() });
  });

  it('counts a fallback served by a closed breaker that never failed (a full bulkhead)', () => {
    const breaker = new Breaker(ORIGIN, resolveHostOptions({}, undefined), { now: () => 0, random: () => 0, stateChanged: () => {} });
    breaker.countFallback();
    breaker.countRefusal();
    breaker.countRefusal();
    expect({ fallbacks: breaker.fallbacks, rejected: breaker.rejected, failures: breaker.failures, state: breaker.state }).toEqual({ fallbacks: 1, rejected: 2, failures: 0, state: 'closed' });
  });

  it('opens on slow calls before any failure was ever counted, for openDuration', () => {
    const t = testBox({ breaker: { openDuration: 5_000, slowCall: { duration: 100, rateThreshold: 1, minimumCalls: 1, window: 10_000 } } });
    const permit = t.box.admit(URL_A);
    t.advance(100);
    if (permit.allowed) permit.record(ok);
    expect(t.box.snapshot()[0]).toMatchObject({ state: 'open', failures: 0, successes: 1, retryAfter: 5_000 });
  });
});

describe('permit.record', () => {
  it('counts only the first call and returns its verdict again', () => {
    const t = testBox({ breaker: { failureThreshold: 2 } });
    const permit = t.box.admit(URL_A);
    if (!permit.allowed) throw new Error('refused');
    expect(permit.record(serverError)).toBe('failure');
    expect(permit.record(ok)).toBe('failure');
    expect(permit.record(serverError)).toBe('failure');
    expect(t.box.snapshot()[0]).toMatchObject({ failures: 1, successes: 0 });
    expect(t.box.state(ORIGIN)).toBe('closed');
  });
});

describe('isolate and reset', () => {
  it('keeps an isolated origin refused whatever the time, until reset', () => {
    const t = testBox();
    t.box.isolate(URL_A);
    expect(t.box.state(ORIGIN)).toBe('isolated');
    t.advance(10_000_000);
    const permit = t.box.admit(URL_A);
    expect(permit.allowed).toBe(false);
    if (!permit.allowed) {
      expect(permit.error.state).toBe('isolated');
      expect(permit.error.retryAfter).toBeUndefined();
    }
    t.box.reset(ORIGIN);
    expect(t.box.state(ORIGIN)).toBe('closed');
    expect(t.run(ok)).toBe('success');
  });

  it('resets every origin when called without one', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    t.fail(1, 'https://a.example.com/');
    t.fail(1, 'https://b.example.com/');
    t.box.reset();
    expect(t.box.snapshot().map((s) => s.state)).toEqual(['closed', 'closed']);
  });

  it('forgets consecutive failures on reset', () => {
    const t = testBox({ breaker: { failureThreshold: 3 } });
    t.fail(2);
    t.box.reset(ORIGIN);
    t.fail(2);
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it.each([0, 1])('never lets a request from before a reset move the new state (%i failures before it)', (failures) => {
    const t = testBox({ breaker: { failureThreshold: 2 } });
    const inFlight = t.box.admit(URL_A);
    t.fail(failures);
    t.box.reset(ORIGIN);
    if (inFlight.allowed) inFlight.record({ kind: 'response', status: 503, headers: { 'retry-after': '5' } });
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('ignores a reset of an origin it never saw', () => {
    const t = testBox();
    t.box.reset('https://never.example.com');
    expect(t.box.snapshot()).toEqual([]);
  });
});

describe('CircuitOpenError from a refused permit', () => {
  it('names the method, URL, origin, state and time to the next probe', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 30_000 } });
    t.fail();
    t.advance(10_000);
    const permit = t.box.admit(`${ORIGIN}/users?page=2`, { method: 'post' });
    if (permit.allowed) throw new Error('admitted');
    const error = permit.error;
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'CircuitOpenError', code: 'ECIRCUITOPEN', origin: ORIGIN, state: 'open', retryAfter: 20_000, method: 'POST' });
    expect(error.message).toContain(`POST ${ORIGIN}/users?page=2`);
    expect(error.message).toContain('20000 ms');
    expect(permit.error).toBe(error);
  });
});

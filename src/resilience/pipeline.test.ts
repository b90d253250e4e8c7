import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBreakerBox } from '../core/box.js';
import type { AllowedPermit, AttemptHooks, BreakerBoxOptions, ExecuteRequest, FallbackResponse } from '../core/types.js';
import { isBulkheadFullError, isCircuitOpenError } from '../errors.js';

const URL_A = 'https://api.example.com/a';

/** A scripted host: each attempt answers with the next status (the last one repeats), or hangs until released. */
function scripted(statuses: number[], headers: Record<string, string> = {}) {
  let sent = 0;
  const hooks: AttemptHooks<{ status: number; attempt: number } | { fallback: FallbackResponse }> = {
    async send(permit: AllowedPermit, attempt: number) {
      const status = statuses[Math.min(sent, statuses.length - 1)]!;
      sent++;
      permit.record({ kind: 'response', status, headers });
      return { response: { status, attempt }, headers };
    },
    answer: (fallback) => ({ fallback }),
  };
  return { hooks, sent: () => sent };
}

function box(options: BreakerBoxOptions) {
  const retries: { attempt: number; delay: number }[] = [];
  // Date.now read per call, so vitest's fake timers move the box's clock too.
  const b = createBreakerBox({ random: () => 0.5, clock: { now: () => Date.now() }, ...options });
  b.on('retry', ({ attempt, delay }) => retries.push({ attempt, delay }));
  return { box: b, retries };
}

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Run one request, letting every timer fire. */
  async function run<R>(b: ReturnType<typeof box>['box'], hooks: AttemptHooks<R>, request: ExecuteRequest = {}): Promise<R> {
    const pending = b.execute(URL_A, request, hooks);
    const settled = pending.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await vi.runAllTimersAsync();
    const result = await settled;
    if ('error' in result) throw result.error;
    return result.value;
  }

  it('retries a failed GET with full-jitter exponential delays, then gives the last failure', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 3, delay: 100 } });
    const host = scripted([503]);
    expect(await run(b, host.hooks)).toEqual({ status: 503, attempt: 4 });
    expect(host.sent()).toBe(4);
    // random() = 0.5: half of 100, 200, 400.
    expect(retries).toEqual([
      { attempt: 2, delay: 50 },
      { attempt: 3, delay: 100 },
      { attempt: 4, delay: 200 },
    ]);
  });

  it('stops at the first success', async () => {
    const { box: b } = box({ retry: { attempts: 3 } });
    const host = scripted([503, 200]);
    expect(await run(b, host.hooks)).toEqual({ status: 200, attempt: 2 });
    expect(host.sent()).toBe(2);
  });

  it('caps each delay at maxDelay', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: Infinity }, random: () => 0.999, retry: { attempts: 3, delay: 1_000, maxDelay: 1_500 } });
    await run(b, scripted([500]).hooks);
    expect(retries.map((r) => r.delay)).toEqual([999, 1_498, 1_498]);
  });

  it('never retries a POST without an Idempotency-Key, and retries one with it', async () => {
    const { box: b } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 2 } });
    const plain = scripted([503]);
    await run(b, plain.hooks, { method: 'POST' });
    expect(plain.sent()).toBe(1);
    const keyed = scripted([503]);
    await run(b, keyed.hooks, { method: 'POST', headers: { 'Idempotency-Key': 'order-42' } });
    expect(keyed.sent()).toBe(3);
  });

  it('never retries a request whose body cannot be sent again', async () => {
    const { box: b } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 2 } });
    const host = scripted([503]);
    await run(b, host.hooks, { method: 'PUT', replayable: false });
    expect(host.sent()).toBe(1);
  });

  it('ends the retries at once with the refusal when the breaker opens, without sleeping', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: 2 }, retry: { attempts: 5 } });
    const host = scripted([503]);
    const error = await run(b, host.hooks).catch((e: unknown) => e);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(host.sent()).toBe(2);
    // One sleep, before the second attempt; none before the refusal.
    expect(retries).toHaveLength(1);
  });

  it('answers a refused retry with the fallback, not the last failed response', async () => {
    const { box: b } = box({ breaker: { failureThreshold: 1 }, retry: { attempts: 3 }, fallback: { value: { body: 'later' } } });
    const result = await run(b, scripted([503]).hooks);
    expect(result).toMatchObject({ fallback: { source: 'value', status: 200 } });
  });

  it('waits exactly the Retry-After of a 429, and the breaker admits the retry when that pause ends', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: 5 }, retry: { attempts: 1, maxDelay: 5_000 } });
    const host = scripted([429, 200], { 'retry-after': '2' });
    expect(await run(b, host.hooks)).toEqual({ status: 200, attempt: 2 });
    expect(retries).toEqual([{ attempt: 2, delay: 2_000 }]);
  });

  it('does not retry when Retry-After asks for longer than maxDelay', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: 5 }, retry: { attempts: 3, maxDelay: 1_000 } });
    const host = scripted([503], { 'retry-after': '30' });
    expect(await run(b, host.hooks)).toEqual({ status: 503, attempt: 1 });
    expect(retries).toEqual([]);
  });

  it("ends a pending delay at once when the caller aborts, with the caller's reason", async () => {
    const { box: b } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 3, delay: 60_000, maxDelay: 60_000 } });
    const controller = new AbortController();
    const host = scripted([503]);
    const pending = b.execute(URL_A, { signal: controller.signal }, host.hooks).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('user left'));
    expect(await pending).toEqual(new Error('user left'));
    expect(host.sent()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps retries within ratio × requests + floor under a sustained outage (the budget)', async () => {
    const { box: b, retries } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 3, delay: 1, budget: { ratio: 0.2, minPerSecond: 1 } } });
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      const host = scripted([503]);
      await run(b, host.hooks);
      sent += host.sent();
    }
    // 200 requests in well under 10 s: at most 0.2 × 200 + 1 × 10 = 50 retries, instead of 600.
    expect(retries.length).toBeLessThanOrEqual(50);
    expect(retries.length).toBeGreaterThanOrEqual(40);
    expect(sent).toBe(200 + retries.length);
  });

  it('is off for a host with retry: false', async () => {
    const { box: b } = box({ breaker: { failureThreshold: Infinity }, retry: { attempts: 3 }, hosts: { 'https://api.example.com': { retry: false } } });
    const host = scripted([503]);
    await run(b, host.hooks);
    expect(host.sent()).toBe(1);
  });
});

describe('bulkhead', () => {
  /** A host whose attempts hang until `release()`; counts what reached it. */
  function gated() {
    let sent = 0;
    const waiting: (() => void)[] = [];
    const hooks: AttemptHooks<string> = {
      send: (permit) =>
        new Promise((resolve) => {
          sent++;
          waiting.push(() => {
            permit.record({ kind: 'response', status: 200 });
            resolve({ response: 'ok' });
          });
        }),
      answer: (fallback) => `fallback:${fallback.source}`,
    };
    return { hooks, sent: () => sent, release: () => waiting.shift()?.() };
  }

  it('refuses a request beyond maxConcurrent at once with BulkheadFullError, and counts no failure', async () => {
    const b = createBreakerBox({ breaker: { failureThreshold: 1 }, bulkhead: { maxConcurrent: 2 } });
    const host = gated();
    const first = b.execute(URL_A, {}, host.hooks);
    const second = b.execute(URL_A, {}, host.hooks);
    const error = await b.execute(URL_A, { method: 'GET' }, host.hooks).catch((e: unknown) => e);
    expect(isBulkheadFullError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'EBULKHEADFULL', origin: 'https://api.example.com', maxConcurrent: 2 });
    expect(host.sent()).toBe(2);
    host.release();
    host.release();
    expect(await Promise.all([first, second])).toEqual(['ok', 'ok']);
    expect(b.state(URL_A)).toBe('closed');
    expect(b.snapshot()[0]).toMatchObject({ failures: 0, successes: 2 });
    // The slots are free again.
    const third = b.execute(URL_A, {}, host.hooks);
    host.release();
    expect(await third).toBe('ok');
  });

  it('answers a request the bulkhead turned away with the fallback, reason bulkhead', async () => {
    const b = createBreakerBox({ bulkhead: { maxConcurrent: 1 }, fallback: { value: { body: 'busy' } } });
    const reasons: string[] = [];
    b.on('fallback', (e) => reasons.push(e.reason));
    const host = gated();
    const first = b.execute(URL_A, {}, host.hooks);
    expect(await b.execute(URL_A, {}, host.hooks)).toBe('fallback:value');
    expect(reasons).toEqual(['bulkhead']);
    host.release();
    await first;
  });

  it('queues up to maxQueue, runs the queued request when a slot frees, and gives up after queueTimeout', async () => {
    vi.useFakeTimers();
    try {
      const b = createBreakerBox({ bulkhead: { maxConcurrent: 1, maxQueue: 1, queueTimeout: 500 } });
      const host = gated();
      const first = b.execute(URL_A, {}, host.hooks);
      const queued = b.execute(URL_A, {}, host.hooks);
      const full = await b.execute(URL_A, {}, host.hooks).catch((e: unknown) => e);
      expect(full).toMatchObject({ code: 'EBULKHEADFULL', queueTimeout: undefined });
      host.release();
      await first;
      await vi.advanceTimersByTimeAsync(0);
      expect(host.sent()).toBe(2);
      host.release();
      expect(await queued).toBe('ok');

      const holder = b.execute(URL_A, {}, host.hooks);
      const waiting = b.execute(URL_A, {}, host.hooks).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(500);
      expect(await waiting).toMatchObject({ code: 'EBULKHEADFULL', queueTimeout: 500 });
      host.release();
      await holder;
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lets a caller abort a queued request at once', async () => {
    const b = createBreakerBox({ bulkhead: { maxConcurrent: 1, maxQueue: 5 } });
    const host = gated();
    const first = b.execute(URL_A, {}, host.hooks);
    const controller = new AbortController();
    const queued = b.execute(URL_A, { signal: controller.signal }, host.hooks).catch((e: unknown) => e);
    controller.abort(new Error('gone'));
    expect(await queued).toEqual(new Error('gone'));
    host.release();
    await first;
    expect(host.sent()).toBe(1);
  });

  it('holds its slot through the retries of a request', async () => {
    const b = createBreakerBox({ breaker: { failureThreshold: Infinity }, random: () => 0, bulkhead: { maxConcurrent: 1 }, retry: { attempts: 2 } });
    const host = scripted([503]);
    const slow = b.execute(URL_A, {}, host.hooks);
    const error = await b.execute(URL_A, {}, host.hooks).catch((e: unknown) => e);
    expect(isBulkheadFullError(error)).toBe(true);
    expect(await slow).toEqual({ status: 503, attempt: 3 });
  });
});

describe("onRefusal: 'respond'", () => {
  it('answers a refused request with a 503 that tells SDKs not to retry, with Retry-After and a JSON error', async () => {
    const b = createBreakerBox({ breaker: { failureThreshold: 1, openDuration: 30_000 }, onRefusal: 'respond', clock: { now: () => 1_000 } });
    const host = scripted([500]);
    await b.execute(URL_A, {}, host.hooks);
    const answer = (await b.execute(URL_A, {}, host.hooks)) as { fallback: FallbackResponse };
    expect(host.sent()).toBe(1);
    const { fallback } = answer;
    expect(fallback.status).toBe(503);
    expect(Object.fromEntries(fallback.headers)).toMatchObject({ 'x-breakerbox-fallback': 'refused', 'retry-after': '30', 'x-should-retry': 'false', 'stripe-should-retry': 'false' });
    expect(JSON.parse(new TextDecoder().decode(fallback.body!))).toEqual({
      error: { type: 'circuit_open', origin: 'https://api.example.com', retryAfter: 30_000, message: expect.stringContaining('circuit for https://api.example.com is open') },
    });
  });

  it('still serves a configured fallback first', async () => {
    const b = createBreakerBox({ breaker: { failureThreshold: 1 }, onRefusal: 'respond', fallback: { value: { body: 'cached view' } } });
    const host = scripted([500]);
    await b.execute(URL_A, {}, host.hooks);
    expect(await b.execute(URL_A, {}, host.hooks)).toMatchObject({ fallback: { source: 'value' } });
  });
});

describe('failureRate over a count of calls', () => {
  it('judges the last `calls` calls, however old', () => {
    let now = 0;
    const b = createBreakerBox({ clock: { now: () => now }, breaker: { failureThreshold: Infinity, failureRate: { threshold: 0.5, minimumCalls: 4, calls: 4 } } });
    const run = (status: number) => {
      const permit = b.admit(URL_A);
      if (permit.allowed) permit.record({ kind: 'response', status });
    };
    run(200);
    run(200);
    run(500);
    now += 3_600_000; // an hour later: a time window would have forgotten them
    run(200);
    expect(b.state(URL_A)).toBe('closed');
    run(500); // last 4: 200, 500, 200, 500
    expect(b.state(URL_A)).toBe('open');
  });

  it('takes a window or a count of calls, not both', () => {
    expect(() => createBreakerBox({ breaker: { failureRate: { threshold: 0.5, calls: 10, window: 1_000 } } })).toThrow(/takes a window in ms or a number of calls, not both/);
  });
});

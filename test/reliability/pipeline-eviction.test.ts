import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttemptHooks } from '../../src/core/types.js';
import { createBreakerBox, isBulkheadFullError, type AllowedPermit } from '../../src/index.js';

/**
 * The bulkhead and the retry budget live on the origin's breaker (`breaker.policies`). The
 * registry may evict a breaker with no attempt in flight (`inFlight === 0`) to make room for a
 * new origin, but a request waiting out a retry delay holds a bulkhead slot with no attempt in
 * flight. Once evicted, the next request to the origin gets a fresh breaker with a fresh, empty
 * bulkhead (and budget), so the origin's cap no longer holds.
 */
describe('bulkhead across breaker eviction', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fails once and waits out its retry delay holding the only slot; B comes meanwhile. Returns B's end and the most attempts in flight at once. */
  async function run(otherOriginMeanwhile: boolean): Promise<{ b: unknown; a: number; most: number }> {
    const box = createBreakerBox({
      maxOrigins: 1,
      clock: { now: () => Date.now() },
      random: () => 0.5,
      breaker: { failureThreshold: 5 },
      retry: { attempts: 1, delay: 1_000, budget: false },
      bulkhead: { maxConcurrent: 1 },
    });
    let inFlight = 0;
    let most = 0;
    /** Attempt n answers `statuses[n - 1]`, the last one repeating. */
    const hooks = (statuses: number[]): AttemptHooks<number> => ({
      async send(permit: AllowedPermit, attempt: number) {
        const status = statuses[Math.min(attempt, statuses.length) - 1]!;
        inFlight++;
        most = Math.max(most, inFlight);
        // Each attempt takes 100 ms, so attempts of two requests overlap if both are let in.
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        permit.record({ kind: 'response', status });
        return { response: status };
      },
      answer: () => 0,
    });
    // A fails at 100 ms, then waits 500 ms (random 0.5 of 1 s) before its retry.
    const a = box.execute('https://capped.example.test/a', {}, hooks([500, 200]));
    await vi.advanceTimersByTimeAsync(200);
    // With maxOrigins 1, a request to another origin evicts the breaker that looks idle (no attempt in flight).
    if (otherOriginMeanwhile) await Promise.all([box.execute('https://other.example.test/', {}, hooks([200])), vi.advanceTimersByTimeAsync(100)]);
    const b = box.execute('https://capped.example.test/b', {}, hooks([200])).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2_000);
    return { a: await a, b: await b, most };
  }

  it('refuses a second request while the first waits out a retry delay (the control: one origin)', async () => {
    const { a, b, most } = await run(false);
    expect(a).toBe(200);
    expect(isBulkheadFullError(b)).toBe(true);
    expect(most).toBe(1);
  });

  it('still refuses it when another origin came in meanwhile', async () => {
    const { a, b, most } = await run(true);
    expect(a).toBe(200);
    expect(isBulkheadFullError(b)).toBe(true);
    expect(most).toBe(1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/resilience/retry-budget.js';
import { ReferenceBudget, countInWindow, withinBound } from './model/reference-budget.js';

/**
 * The retry budget against its reference model (test/reliability/model/reference-budget.ts)
 * over long runs of requests: the pipeline model's sequences are too short to pass the 63
 * undated requests after which the budget reads the clock itself. Every decision must agree,
 * and every retry granted must stay within the contract's bound counted with the requests'
 * true times (the budget's dating may only ever count fewer requests, never more).
 */

/** `retries`: that many retry decisions in a row at one instant (a burst of failures spends the budget to its edge). */
type Step = { kind: 'requests'; n: number } | { kind: 'advance'; ms: number } | { kind: 'retries'; n: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // Runs of requests around the 63 the budget leaves undated, and long ones.
  fc.record({ kind: fc.constant('requests' as const), n: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 60, max: 66 }), fc.integer({ min: 100, max: 300 })) }),
  // Small steps, and steps that cross the 1 s buckets and the 10 s window.
  fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom(1_000, 4_999, 9_000, 9_999, 10_000, 12_345)) }),
  fc.record({ kind: fc.constant('retries' as const), n: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 80 })) }),
);

const runs = Number(process.env.BREAKERBOX_PIPELINE_RUNS ?? 3_000);

describe('retry budget against the reference budget', () => {
  it('agrees on every retry decision and keeps every retry within the bound over the true request times', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 0.1, 0.2, 0.5, 1),
        fc.constantFrom(0, 0.1, 0.5, 1),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(stepArb, { maxLength: 80 }),
        (ratio, minPerSecond, start, steps) => {
          const clock = { time: start, now: () => clock.time };
          const budget = new RetryBudget(ratio, minPerSecond, clock);
          const reference = new ReferenceBudget(ratio, minPerSecond);
          const truth: { at: number; retry: boolean }[] = [];
          for (const step of steps) {
            if (step.kind === 'advance') clock.time += step.ms;
            else if (step.kind === 'requests') {
              for (let i = 0; i < step.n; i++) {
                budget.deposit();
                reference.deposit(clock.time);
                truth.push({ at: clock.time, retry: false });
              }
            } else {
              for (let i = 0; i < step.n; i++) {
                const expected = reference.hasRoom(clock.time);
                expect(budget.tryWithdraw(clock.time), `retry at ${clock.time} (reference ${JSON.stringify(reference.counts(clock.time))})`).toBe(expected);
                if (!expected) continue;
                reference.withdraw(clock.time);
                truth.push({ at: clock.time, retry: true });
                const { requests, retries } = countInWindow(truth, clock.time);
                expect(withinBound(retries, requests, ratio, minPerSecond), `${retries} retries over ${requests} requests`).toBe(true);
              }
            }
          }
        },
      ),
      { numRuns: runs },
    );
  });
});

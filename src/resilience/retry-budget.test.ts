import { describe, expect, it } from 'vitest';
import { MAX_UNDATED, RetryBudget } from './retry-budget.js';

/** A clock set by hand that counts its reads. */
function manualClock(start = 0) {
  const clock = {
    time: start,
    reads: 0,
    now(): number {
      clock.reads++;
      return clock.time;
    },
  };
  return clock;
}

function deposit(budget: RetryBudget, n: number): void {
  for (let i = 0; i < n; i++) budget.deposit();
}

/** Withdraw until refused; returns how many retries were granted. */
function drain(budget: RetryBudget, now: number): number {
  let granted = 0;
  while (budget.tryWithdraw(now)) granted++;
  return granted;
}

describe('RetryBudget', () => {
  it('grants ratio × requests + minPerSecond × 10 retries when every request falls in the window', () => {
    const clock = manualClock(5_000);
    const budget = new RetryBudget(0.5, 0.2, clock);
    deposit(budget, 10);
    expect(drain(budget, 5_400)).toBe(5 + 2);
  });

  it('reads the clock at its first request and then once per MAX_UNDATED + 1 requests, never per request', () => {
    const clock = manualClock();
    const budget = new RetryBudget(0.2, 10, clock);
    deposit(budget, 1);
    expect(clock.reads).toBe(1);
    deposit(budget, MAX_UNDATED);
    expect(clock.reads).toBe(1);
    deposit(budget, 1);
    expect(clock.reads).toBe(2);
    deposit(budget, 10 * (MAX_UNDATED + 1));
    expect(clock.reads).toBe(12);
  });

  it('dates undated requests at its latest reading, so they leave the window no later than they would have', () => {
    const history = () => {
      const clock = manualClock(0);
      const budget = new RetryBudget(1, 0, clock);
      deposit(budget, 1); // a reading at 0
      clock.time = 9_500;
      deposit(budget, 9); // undated: counted from 0, though made at 9.5 s
      return budget;
    };
    // At 9.9 s all ten are in the window (the bucket of 0 is its oldest)...
    expect(drain(history(), 9_900)).toBe(10);
    // ...at 10 s that bucket slid out with all ten: a budget dating each request would still count nine.
    expect(history().tryWithdraw(10_000)).toBe(false);
  });

  it('counts a request dated by its own reading from that reading', () => {
    const clock = manualClock(0);
    const budget = new RetryBudget(1, 0, clock);
    deposit(budget, 1); // a reading at 0
    clock.time = 9_500;
    deposit(budget, MAX_UNDATED); // dated at 0
    deposit(budget, 3); // the first reads 9.5 s; the next two are dated by it
    expect(drain(budget, 10_000)).toBe(3);
  });

  it('takes every retry decision as a reading: requests after it are dated from it', () => {
    const clock = manualClock(0);
    const budget = new RetryBudget(1, 0, clock);
    deposit(budget, 1);
    expect(budget.tryWithdraw(9_500)).toBe(true);
    deposit(budget, 4); // dated at 9.5 s
    expect(clock.reads).toBe(1);
    // At 10.2 s the request of 0 is out; its retry and the four dated at 9.5 s are in.
    expect(drain(budget, 10_200)).toBe(3);
  });

  it('takes a refused decision as a reading too', () => {
    const clock = manualClock(0);
    const budget = new RetryBudget(0.5, 0, clock);
    deposit(budget, 1);
    expect(budget.tryWithdraw(9_500)).toBe(false);
    deposit(budget, 4); // dated at 9.5 s, not at 0
    expect(drain(budget, 10_200)).toBe(2);
  });

  it('starts empty after the clock jumps past the whole window, or steps back', () => {
    const clock = manualClock(50_000);
    const kept = new RetryBudget(1, 0, clock);
    deposit(kept, 20);
    expect(kept.tryWithdraw(59_999)).toBe(true);
    const jumped = new RetryBudget(1, 0, clock);
    deposit(jumped, 20);
    expect(jumped.tryWithdraw(60_000)).toBe(false);
    const steppedBack = new RetryBudget(1, 0, clock);
    deposit(steppedBack, 20);
    expect(steppedBack.tryWithdraw(49_000)).toBe(false);
  });

  it('keeps the floor when no request was made in the window', () => {
    const budget = new RetryBudget(0.2, 0.3, manualClock());
    expect(drain(budget, 1_000)).toBe(3);
  });
});

/**
 * Shared by the co-located unit tests only (never exported from the package): a box on
 * a manual clock, and one-line helpers to push outcomes through the two-step guard.
 */
import { createBreakerBox } from './box.js';
import type { BreakerBox, BreakerBoxOptions, Outcome, Verdict } from './types.js';

export const ORIGIN = 'https://api.example.com';
export const URL_A = `${ORIGIN}/a`;

export interface TestBox {
  box: BreakerBox;
  advance(ms: number): void;
  now(): number;
  /** Admit one request and record `outcome`; returns the verdict, or 'refused'. */
  run(outcome: Outcome, url?: string): Verdict | 'refused';
  fail(times?: number, url?: string): void;
  succeed(times?: number, url?: string): void;
}

export const ok: Outcome = { kind: 'response', status: 200 };
export const serverError: Outcome = { kind: 'response', status: 500 };

export function testBox(options: BreakerBoxOptions = {}): TestBox {
  let time = 1_000_000;
  const box = createBreakerBox({ clock: { now: () => time }, random: () => 0, ...options });
  const run = (outcome: Outcome, url = URL_A): Verdict | 'refused' => {
    const permit = box.admit(url);
    return permit.allowed ? permit.record(outcome) : 'refused';
  };
  return {
    box,
    advance: (ms) => {
      time += ms;
    },
    now: () => time,
    run,
    fail: (times = 1, url) => {
      for (let i = 0; i < times; i++) run(serverError, url);
    },
    succeed: (times = 1, url) => {
      for (let i = 0; i < times; i++) run(ok, url);
    },
  };
}

import { RollingWindow } from '../core/rolling-window.js';

/** The budget's window: Finagle's, and what API.md names ("the last 10 s"). */
const WINDOW_MS = 10_000;

/**
 * Finagle's retry budget, per origin: retries stay under `ratio` × requests of the last
 * 10 s, plus a floor of `minPerSecond` × 10 so a quiet origin can still retry. Under a
 * sustained outage this caps the extra load retries add at `ratio`, instead of multiplying
 * it by `attempts + 1` (a retry storm on a recovering host).
 */
export class RetryBudget {
  /** Calls are requests and retries together; hits are the retries. */
  readonly #window = new RollingWindow(WINDOW_MS);
  readonly #ratio: number;
  readonly #floor: number;

  constructor(ratio: number, minPerSecond: number) {
    this.#ratio = ratio;
    this.#floor = minPerSecond * (WINDOW_MS / 1000);
  }

  /** One request (its first attempt) went out. */
  deposit(now: number): void {
    this.#window.add(now, false);
  }

  /** Take one retry from the budget, if it has one left. */
  tryWithdraw(now: number): boolean {
    const window = this.#window;
    // Reading `tripped` first moves the window to `now`.
    window.tripped(now, Infinity, 1);
    const requests = window.calls - window.hits;
    if (window.hits + 1 > this.#ratio * requests + this.#floor) return false;
    window.add(now, true);
    return true;
  }
}

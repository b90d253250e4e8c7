/**
 * A reference model of one origin's retry budget, written from the contract (shared/API.md
 * "Retries, bulkheads, count windows": retries stay under ratio × requests of the last 10 s
 * plus minPerSecond × 10), with the window semantics every breakerbox window documents: 10
 * buckets of a tenth of the window each (FailureRateOptions.window), so "the last 10 s" is the
 * current 1 s bucket and the nine before it. It keeps every event instead of buckets, so it
 * shares no code or representation with src/resilience/retry-budget.ts.
 */

/** The budget's window and its bucket, in ms. */
export const BUDGET_WINDOW_MS = 10_000;
export const BUDGET_BUCKET_MS = BUDGET_WINDOW_MS / 10;

interface BudgetEvent {
  at: number;
  retry: boolean;
}

export class ReferenceBudget {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly #events: BudgetEvent[] = [];

  constructor(ratio: number, minPerSecond: number) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
  }

  /** A request's first attempt went to the breaker at `at`. */
  deposit(at: number): void {
    this.#events.push({ at, retry: false });
  }

  /** A retry was taken from the budget at `at`. */
  withdraw(at: number): void {
    this.#events.push({ at, retry: true });
  }

  /** Requests and retries counted by a window read at `now`. */
  counts(now: number): { requests: number; retries: number } {
    return countInWindow(this.#events, now);
  }

  /** Whether one more retry fits at `now`. Same arithmetic as the contract's bound, so floats round alike. */
  hasRoom(now: number): boolean {
    const { requests, retries } = this.counts(now);
    return withinBound(retries + 1, requests, this.ratio, this.minPerSecond);
  }
}

/** The events a window read at `now` still holds: the bucket of `now` and the nine before it. */
export function countInWindow(events: readonly { at: number; retry: boolean }[], now: number): { requests: number; retries: number } {
  const newest = Math.floor(now / BUDGET_BUCKET_MS);
  let requests = 0;
  let retries = 0;
  for (const event of events) {
    const bucket = Math.floor(event.at / BUDGET_BUCKET_MS);
    if (bucket > newest - 10 && bucket <= newest) {
      if (event.retry) retries++;
      else requests++;
    }
  }
  return { requests, retries };
}

/** The contract's bound: `retries` ≤ ratio × requests + minPerSecond × 10. */
export function withinBound(retries: number, requests: number, ratio: number, minPerSecond: number): boolean {
  return !(retries > ratio * requests + minPerSecond * (BUDGET_WINDOW_MS / 1000));
}

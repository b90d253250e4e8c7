/**
 * A reference model of one origin's retry budget, written from the contract (shared/API.md
 * "Retries, bulkheads, count windows": retries stay under ratio × requests of the last 10 s
 * plus minPerSecond × 10), with the window semantics every breakerbox window documents: 10
 * buckets of a tenth of the window each (FailureRateOptions.window), so "the last 10 s" is the
 * current 1 s bucket and the nine before it. It keeps every event instead of buckets, so it
 * shares no code or representation with src/resilience/retry-budget.ts.
 *
 * Requests are dated as the budget documents (issue 15): a request counts as made at the
 * budget's latest clock reading, taken at every retry decision, at the first request and at
 * every request that follows 63 undated ones. That date is never later than the request, so
 * the budget counts no more requests than were made; the pipeline world still checks every
 * retry against the contract's bound with the requests' true times (`#countRetry`).
 */

/** The budget's window and its bucket, in ms. */
export const BUDGET_WINDOW_MS = 10_000;
export const BUDGET_BUCKET_MS = BUDGET_WINDOW_MS / 10;
/** Requests in a row the budget leaves undated (src/resilience/retry-budget.ts MAX_UNDATED). */
export const BUDGET_MAX_UNDATED = 63;

interface BudgetEvent {
  at: number;
  retry: boolean;
}

export class ReferenceBudget {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly #events: BudgetEvent[] = [];
  /** The latest clock reading, and the requests dated by it without a reading of their own. */
  #readAt: number | undefined;
  #undated = 0;

  constructor(ratio: number, minPerSecond: number) {
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
  }

  /** A request's first attempt went to the breaker at `at`: dated at the latest reading, or read now. */
  deposit(at: number): void {
    if (this.#readAt === undefined || this.#undated === BUDGET_MAX_UNDATED) this.#read(at);
    else this.#undated++;
    this.#events.push({ at: this.#readAt!, retry: false });
  }

  /** A retry was taken from the budget at `at` (a retry decision, so a reading). */
  withdraw(at: number): void {
    this.#read(at);
    this.#events.push({ at, retry: true });
  }

  #read(now: number): void {
    this.#readAt = now;
    this.#undated = 0;
  }

  /** Requests and retries counted by a window read at `now`. */
  counts(now: number): { requests: number; retries: number } {
    return countInWindow(this.#events, now);
  }

  /** Whether one more retry fits at `now`, a retry decision (so a reading). Same arithmetic as the contract's bound, so floats round alike. */
  hasRoom(now: number): boolean {
    this.#read(now);
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

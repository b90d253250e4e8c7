/** The budget's window: Finagle's, and what API.md names ("the last 10 s"). */
const WINDOW_MS = 10_000;
/** The window is kept as 10 buckets of 1 s, like every breakerbox window (FailureRateOptions.window). */
const BUCKETS = 10;
const BUCKET_MS = WINDOW_MS / BUCKETS;
/** At most this many requests in a row go undated: the next one reads the clock. */
export const MAX_UNDATED = 63;

/** What the budget reads the time from (the box). */
export interface BudgetClock {
  now(): number;
}

/**
 * Finagle's retry budget, per origin: retries stay under `ratio` × requests of the last
 * 10 s, plus a floor of `minPerSecond` × 10 so a quiet origin can still retry. Under a
 * sustained outage this caps the extra load retries add at `ratio`, instead of multiplying
 * it by `attempts + 1` (a retry storm on a recovering host).
 *
 * A request is not dated by a clock read of its own (a read costs more than the rest of the
 * closed path, issue 15): it counts as made at the budget's latest clock reading, which
 * is taken at every retry decision, at the first request and at every request that follows
 * {@link MAX_UNDATED} undated ones. A request is so never dated later than it was made: it
 * leaves the window no later than it would have, and the budget only ever counts fewer
 * requests than were made, never more, so retries stay under the bound.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #floor: number;
  readonly #clock: BudgetClock;
  readonly #requests = new Uint32Array(BUCKETS);
  readonly #retries = new Uint32Array(BUCKETS);
  /** The bucket (ms / BUCKET_MS) of the latest reading; -1 before the first. */
  #epoch = -1;
  /** Requests since the latest reading, not yet in a bucket; the first request must read. */
  #undated = MAX_UNDATED;
  /** Requests and retries in the window as of the latest reading (undated requests apart). */
  #requestsInWindow = 0;
  #retriesInWindow = 0;

  constructor(ratio: number, minPerSecond: number, clock: BudgetClock) {
    this.#ratio = ratio;
    this.#floor = minPerSecond * (WINDOW_MS / 1000);
    this.#clock = clock;
  }

  /** One request (its first attempt) went out. */
  deposit(): void {
    if (this.#undated < MAX_UNDATED) {
      this.#undated++;
      return;
    }
    this.#read(this.#clock.now());
    this.#requests[this.#epoch % BUCKETS]!++;
    this.#requestsInWindow++;
  }

  /** Take one retry from the budget at `now` (a clock reading), if it has one left. */
  tryWithdraw(now: number): boolean {
    this.#read(now);
    if (this.#retriesInWindow + 1 > this.#ratio * this.#requestsInWindow + this.#floor) return false;
    this.#retries[this.#epoch % BUCKETS]!++;
    this.#retriesInWindow++;
    return true;
  }

  /** A clock reading: the undated requests go in the latest reading's bucket, then the window moves to `now`. */
  #read(now: number): void {
    if (this.#epoch >= 0) {
      this.#requests[this.#epoch % BUCKETS]! += this.#undated;
      this.#requestsInWindow += this.#undated;
    }
    this.#undated = 0;
    this.#advance(Math.floor(now / BUCKET_MS));
  }

  /** Drop the buckets that fell out of the window by `epoch`. */
  #advance(epoch: number): void {
    if (epoch === this.#epoch) return;
    // A first reading, a jump past the whole window, or a clock that went backwards: start empty.
    if (this.#epoch < 0 || epoch < this.#epoch || epoch - this.#epoch >= BUCKETS) {
      this.#requests.fill(0);
      this.#retries.fill(0);
      this.#requestsInWindow = 0;
      this.#retriesInWindow = 0;
    } else {
      for (let e = this.#epoch + 1; e <= epoch; e++) {
        const slot = e % BUCKETS;
        this.#requestsInWindow -= this.#requests[slot]!;
        this.#retriesInWindow -= this.#retries[slot]!;
        this.#requests[slot] = 0;
        this.#retries[slot] = 0;
      }
    }
    this.#epoch = epoch;
  }
}

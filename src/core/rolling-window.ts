const BUCKETS = 10;

/**
 * Counts calls and "hits" (failures, or slow calls) over a sliding time window kept as
 * 10 buckets, so memory is fixed whatever the traffic (opossum keeps one sample per
 * call; see research/js-anchors.md §3 c2). Time only moves when a call is added or read.
 */
export class RollingWindow {
  readonly #bucketMs: number;
  readonly #calls = new Uint32Array(BUCKETS);
  readonly #hits = new Uint32Array(BUCKETS);
  #epoch = -1;
  calls = 0;
  hits = 0;

  constructor(windowMs: number) {
    this.#bucketMs = windowMs / BUCKETS;
  }

  /** Count one call at `now`; `hit` marks it as a failure (or a slow call). */
  add(now: number, hit: boolean): void {
    this.#advance(now);
    const slot = this.#epoch % BUCKETS;
    this.#calls[slot]!++;
    this.calls++;
    if (hit) {
      this.#hits[slot]!++;
      this.hits++;
    }
  }

  /**
   * Turn one call already counted as a success into a failure (a body that broke off after
   * its headers were counted). The bucket that held the success may have slid out; then
   * the failure lands in the current one, as a call of its own.
   */
  reclassify(now: number): void {
    this.#advance(now);
    const slot = this.#epoch % BUCKETS;
    if (this.#hits[slot]! >= this.#calls[slot]!) {
      this.#calls[slot]!++;
      this.calls++;
    }
    this.#hits[slot]!++;
    this.hits++;
  }

  /** Whether at least `minimumCalls` were seen and the hit ratio reached `threshold`. */
  tripped(now: number, minimumCalls: number, threshold: number): boolean {
    this.#advance(now);
    return this.calls >= minimumCalls && this.hits / this.calls >= threshold;
  }

  clear(): void {
    this.#calls.fill(0);
    this.#hits.fill(0);
    this.calls = 0;
    this.hits = 0;
    this.#epoch = -1;
  }

  /** Drop the buckets that fell out of the window since the last call. */
  #advance(now: number): void {
    const epoch = Math.floor(now / this.#bucketMs);
    if (epoch === this.#epoch) return;
    // A first call, a jump past the whole window, or a clock that went backwards: start empty.
    if (this.#epoch < 0 || epoch < this.#epoch || epoch - this.#epoch >= BUCKETS) {
      this.clear();
    } else {
      for (let e = this.#epoch + 1; e <= epoch; e++) {
        const slot = e % BUCKETS;
        this.calls -= this.#calls[slot]!;
        this.hits -= this.#hits[slot]!;
        this.#calls[slot] = 0;
        this.#hits[slot] = 0;
      }
    }
    this.#epoch = epoch;
  }
}

/**
 * Counts failures over the origin's last `size` calls (resilience4j's COUNT_BASED window):
 * a ring of one byte per call, so memory is fixed and a quiet origin is judged by its
 * last calls however old they are. Same shape as {@link RollingWindow}, so the breaker
 * uses either.
 */
export class CountWindow {
  readonly #ring: Uint8Array;
  #next = 0;
  calls = 0;
  hits = 0;

  constructor(size: number) {
    this.#ring = new Uint8Array(size);
  }

  /** Count one call; `hit` marks it as a failure. The oldest call drops out once the ring is full. */
  add(_now: number, hit: boolean): void {
    const ring = this.#ring;
    if (this.calls === ring.length) this.hits -= ring[this.#next]!;
    else this.calls++;
    ring[this.#next] = hit ? 1 : 0;
    if (hit) this.hits++;
    this.#next = (this.#next + 1) % ring.length;
  }

  /** Turn the latest success into a failure (a body that broke off after its headers were counted). */
  reclassify(_now: number): void {
    const ring = this.#ring;
    for (let back = 1; back <= this.calls; back++) {
      const slot = (this.#next - back + ring.length) % ring.length;
      if (ring[slot] === 0) {
        ring[slot] = 1;
        this.hits++;
        return;
      }
    }
  }

  /** Whether at least `minimumCalls` were seen and the failure ratio reached `threshold`. */
  tripped(_now: number, minimumCalls: number, threshold: number): boolean {
    return this.calls >= minimumCalls && this.hits / this.calls >= threshold;
  }

  clear(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.calls = 0;
    this.hits = 0;
  }
}

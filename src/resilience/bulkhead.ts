/** One request waiting for a slot. */
interface Waiter {
  grant(): void;
}

/**
 * A per-origin cap on requests in flight (a semaphore), with an optional bounded queue.
 * Acquiring a free slot is synchronous: the closed path pays no promise for it.
 */
export class Bulkhead {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly queueTimeout: number | undefined;
  active = 0;
  readonly #queue: Waiter[] = [];

  constructor(maxConcurrent: number, maxQueue: number, queueTimeout: number | undefined) {
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.queueTimeout = queueTimeout;
  }

  /** Take a free slot now, if there is one. */
  tryAcquire(): boolean {
    if (this.active >= this.maxConcurrent) return false;
    this.active++;
    return true;
  }

  /**
   * Wait in the queue for a slot: resolves `'acquired'` once it holds one, `'full'` when
   * the queue is full, `'timeout'` when `queueTimeout` passed. The caller's abort rejects
   * at once with its reason.
   */
  wait(signal: AbortSignal | null | undefined): Promise<'acquired' | 'full' | 'timeout'> {
    if (this.#queue.length >= this.maxQueue) return Promise.resolve('full');
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = (): void => {
        const at = this.#queue.indexOf(waiter);
        if (at !== -1) this.#queue.splice(at, 1);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        leave();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          this.active++;
          resolve('acquired');
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.queueTimeout !== undefined) {
        timer = setTimeout(() => {
          leave();
          resolve('timeout');
        }, this.queueTimeout);
      }
    });
  }

  /** Give a slot back; the first in the queue takes it. */
  release(): void {
    this.active--;
    if (this.#queue.length !== 0) this.#queue[0]!.grant();
  }
}

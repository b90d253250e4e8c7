import type { ResolvedRetryOptions } from '../core/options.js';
import { parseRetryAfter } from '../core/retry-after.js';
import type { HeadersLike } from '../core/types.js';
import { readHeader } from '../utils/read-header.js';

/**
 * Whether a request may be sent again at all: its method is idempotent (or it carries an
 * `Idempotency-Key`, so the server can drop a duplicate: no double charge), and its body
 * can be replayed (a stream that was read once cannot).
 */
export function isRetryable(method: string, headers: HeadersLike | undefined, replayable: boolean, options: ResolvedRetryOptions): boolean {
  if (!replayable) return false;
  return options.methods.has(method) || readHeader(headers, 'idempotency-key') !== undefined;
}

/** Exponential backoff with full jitter (AWS's): a random wait in [0, min(maxDelay, delay × 2^(retry-1))). */
export function backoff(retry: number, options: ResolvedRetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelay, options.delay * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait a 429/503's `Retry-After` asks for, or `undefined` when it has none (or it is
 * not to be respected); `Infinity` when it asks for longer than `maxDelay`, which ends the
 * retries: sleeping that long would hold the caller past any reasonable deadline.
 */
export function retryAfterDelay(status: number | undefined, headers: HeadersLike | undefined, now: number, options: ResolvedRetryOptions): number | undefined {
  if (!options.respectRetryAfter || (status !== 429 && status !== 503)) return undefined;
  const asked = parseRetryAfter(headers, now);
  if (asked === undefined) return undefined;
  return asked > options.maxDelay ? Infinity : asked;
}

/** Sleep `ms`, or reject at once with the reason of the caller's abort. The timer keeps the process alive: a retry is work. */
export function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

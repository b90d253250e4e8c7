/**
 * The signal one attempt is sent with: the caller's signal, plus breakerbox's headers
 * timeout (`timeout`) and body idle timeout (`bodyTimeout`). The one helper every adapter
 * uses, so the rules live here:
 *
 * - Nothing long-lived holds the attempt. `AbortSignal.any([caller, AbortSignal.timeout()])`
 *   keeps every attempt's signal reachable from a caller signal that lives for the whole
 *   process (a server's shutdown signal), about 2 KB a request. Here the caller's signal
 *   holds only a small listener that reaches the attempt through a `WeakRef`; the listener
 *   is removed when the attempt ends, or when the attempt is collected without ending (a
 *   response dropped unread).
 * - The timer is real work: it is not `unref`'d, so an attempt in flight keeps the process
 *   alive until it times out, as the request itself would; and it is cleared the moment the
 *   headers arrive (`timeout`), or the body ends (`bodyTimeout`).
 * - `timeout` never cuts a body that has started: it stops at the headers.
 * - `bodyTimeout` times the host, never the caller: a read through a pull-through stream
 *   is timed only while it waits on the host ({@link AttemptSignal.timeReads}), and a body
 *   pushed to the caller is not cut while the caller has data it has not read yet
 *   ({@link AttemptSignal.timePushes}).
 */

/** Why a breakerbox timer aborted the attempt. */
export type AttemptTimeout = 'headers' | 'body' | undefined;

/**
 * Removes a caller listener whose attempt was collected before it ended. Workers with a
 * compatibility date before 2025-05-05 have no FinalizationRegistry: there an attempt
 * dropped unread keeps its small listener until the caller's signal goes.
 */
const orphans =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<{ caller: AbortSignal; listener: () => void }>(({ caller, listener }) => {
        caller.removeEventListener('abort', listener);
      })
    : undefined;

export class AttemptSignal {
  /** The signal to send the attempt with: the caller's own when breakerbox adds no timer. */
  readonly signal: AbortSignal | undefined;
  /** Which of breakerbox's timers aborted the attempt, if one did. */
  timedOut: AttemptTimeout;
  readonly #controller: AbortController | undefined;
  readonly #caller: AbortSignal | undefined;
  readonly #bodyTimeout: number | undefined;
  #listener: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  /** Set by {@link timeReads}: the body timer runs from {@link reading} to {@link chunk} only. */
  #readsTimed = false;
  /** Set by {@link timePushes}: whether the caller has unread data, so a pause is its own. */
  #callerBehind: (() => boolean) | undefined;
  /** Set by {@link beforeAbort}: told which timer fired, just before it aborts the attempt. */
  #beforeAbort: ((phase: 'headers' | 'body') => void) | undefined;

  /**
   * @param caller - The caller's signal, if any.
   * @param timeout - Ms until the headers must arrive, if limited.
   * @param bodyTimeout - The longest pause in ms between body chunks, if limited.
   */
  constructor(caller: AbortSignal | undefined, timeout: number | undefined, bodyTimeout: number | undefined) {
    this.#caller = caller;
    this.#bodyTimeout = bodyTimeout;
    if (timeout === undefined && bodyTimeout === undefined) {
      this.signal = caller;
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.signal = controller.signal;
    if (caller !== undefined) {
      if (caller.aborted) {
        controller.abort(caller.reason);
      } else {
        const attempt = new WeakRef(this);
        const listener = (): void => {
          const live = attempt.deref();
          if (live !== undefined) live.#callerAborted();
        };
        this.#listener = listener;
        caller.addEventListener('abort', listener, { once: true });
        orphans?.register(this, { caller, listener }, this);
      }
    }
    if (timeout !== undefined) this.#arm(timeout, 'headers');
  }

  /** Whether every body chunk must be reported (`bodyTimeout` is set), or only the body's end. */
  get watchesChunks(): boolean {
    return this.#bodyTimeout !== undefined;
  }

  /** The response headers arrived: the headers timeout stops; the body idle timer starts. */
  headersArrived(): void {
    if (this.#ended) return;
    this.#disarm();
    if (this.#bodyTimeout !== undefined) this.#arm(this.#bodyTimeout, 'body');
    else if (this.#listener === undefined) this.end();
  }

  /**
   * The body is read through a pull-through stream (no read-ahead): from now on the body
   * timer runs only while a read waits on the host, from {@link reading} to {@link chunk},
   * so a caller that takes its time between reads is never taken for a host that paused.
   */
  timeReads(): void {
    this.#readsTimed = true;
    this.#disarm();
  }

  /** A read started waiting on the host (after {@link timeReads}). */
  reading(): void {
    if (this.#ended || this.#bodyTimeout === undefined || this.#timer !== undefined) return;
    this.#arm(this.#bodyTimeout, 'body');
  }

  /**
   * The body is pushed to the caller (a Node stream): `behind()` tells whether the caller
   * holds data it has not read yet. While it does, the host is not the one pausing (it is
   * held back by the caller's backpressure), and the body timer waits another round.
   */
  timePushes(behind: () => boolean): void {
    this.#callerBehind = behind;
  }

  /**
   * `listener` runs when one of breakerbox's timers fires, just before it aborts the attempt:
   * a caller reading a stream can be failed with the client's own timeout error first, so
   * the abort does not reach it as a cancel.
   */
  beforeAbort(listener: (phase: 'headers' | 'body') => void): void {
    this.#beforeAbort = listener;
  }

  /** A body chunk arrived: the idle timer starts over (or, with {@link timeReads}, waits for the next read). */
  chunk(): void {
    if (this.#ended || this.#bodyTimeout === undefined) return;
    this.#disarm();
    if (!this.#readsTimed) this.#arm(this.#bodyTimeout, 'body');
  }

  /** The attempt is over (failed, or its body ended or was cancelled): drop the timer and the caller's listener. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#disarm();
    if (this.#listener !== undefined) {
      this.#caller!.removeEventListener('abort', this.#listener);
      orphans?.unregister(this);
      this.#listener = undefined;
    }
  }

  #callerAborted(): void {
    this.#controller!.abort(this.#caller!.reason);
    this.end();
  }

  #arm(ms: number, phase: 'headers' | 'body'): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (phase === 'body' && this.#callerBehind?.() === true) {
        this.#arm(ms, phase);
        return;
      }
      this.timedOut = phase;
      this.#beforeAbort?.(phase);
      const what = phase === 'headers' ? `no response headers within ${ms} ms` : `the response body paused for more than ${ms} ms`;
      // A TimeoutError, like the reason of AbortSignal.timeout(): clients and callers already know it.
      this.#controller!.abort(new DOMException(`breakerbox: ${what}`, 'TimeoutError'));
      this.end();
    }, ms);
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

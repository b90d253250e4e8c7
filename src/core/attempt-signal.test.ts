import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttemptSignal } from './attempt-signal.js';

describe('AttemptSignal body timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times a pulled body only while a read waits on the host, never the caller between reads', () => {
    const attempt = new AttemptSignal(undefined, undefined, 100);
    attempt.headersArrived();
    attempt.timeReads();
    // The caller has not asked for a chunk yet: nobody waits on the host.
    vi.advanceTimersByTime(1_000);
    expect(attempt.timedOut).toBeUndefined();
    attempt.reading();
    vi.advanceTimersByTime(99);
    attempt.chunk();
    // The caller takes its time with that chunk.
    vi.advanceTimersByTime(1_000);
    expect(attempt.timedOut).toBeUndefined();
    expect(attempt.signal!.aborted).toBe(false);
    // The next read waits on a host that went quiet.
    attempt.reading();
    vi.advanceTimersByTime(100);
    expect(attempt.timedOut).toBe('body');
    expect((attempt.signal!.reason as DOMException).name).toBe('TimeoutError');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps waiting on a pushed body while the caller holds unread data, and times out once it holds none', () => {
    let behind = true;
    const attempt = new AttemptSignal(undefined, undefined, 100);
    attempt.timePushes(() => behind);
    attempt.headersArrived();
    vi.advanceTimersByTime(1_000);
    expect(attempt.timedOut).toBeUndefined();
    behind = false;
    vi.advanceTimersByTime(100);
    expect(attempt.timedOut).toBe('body');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-arms on every chunk of a pushed body, and leaves no timer once it ends', () => {
    const attempt = new AttemptSignal(undefined, undefined, 100);
    attempt.headersArrived();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(90);
      attempt.chunk();
    }
    expect(attempt.timedOut).toBeUndefined();
    attempt.end();
    expect(vi.getTimerCount()).toBe(0);
  });
});

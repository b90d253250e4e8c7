import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';
import { ORIGIN, ok, testBox } from './test-support.js';

const at = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '120' }, 0)).toBe(120_000);
    expect(parseRetryAfter({ 'Retry-After': ' 0 ' }, 0)).toBe(0);
  });

  it('reads an HTTP-date against the local clock', () => {
    expect(parseRetryAfter({ 'retry-after': 'Sun, 06 Nov 1994 08:50:37 GMT' }, at)).toBe(60_000);
  });

  it('reads an HTTP-date against the response Date header when there is one', () => {
    const headers = new Headers({ 'retry-after': 'Sun, 06 Nov 1994 08:50:37 GMT', date: 'Sun, 06 Nov 1994 08:49:37 GMT' });
    expect(parseRetryAfter(headers, at + 3_600_000)).toBe(60_000);
  });

  it('reads the obsolete RFC 850 and asctime date forms', () => {
    expect(parseRetryAfter({ 'retry-after': 'Sunday, 06-Nov-94 08:50:37 GMT' }, at)).toBe(60_000);
    expect(parseRetryAfter({ 'retry-after': 'Sun Nov  6 08:50:37 1994' }, at + Date.parse('Sun Nov  6 08:50:37 1994') - Date.parse('Sun, 06 Nov 1994 08:50:37 GMT'))).toBe(60_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }, at + 5_000)).toBe(0);
  });

  it.each(['-1', '1.5', 'soon', '', '1e3', '0x10', 'Funday, 99 Nov 1994'])('ignores the malformed value %j', (value) => {
    expect(parseRetryAfter({ 'retry-after': value }, at)).toBeUndefined();
  });

  it('gives undefined without the header', () => {
    expect(parseRetryAfter({}, 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});

describe('breaker: Retry-After', () => {
  const unavailable = (retryAfter: string, status = 503) => ({ kind: 'response' as const, status, headers: { 'retry-after': retryAfter } });
  const openTimes = (t: ReturnType<typeof testBox>) => {
    const times: number[] = [];
    t.box.on('stateChange', (e) => {
      if (e.to === 'open') times.push(e.openFor!);
    });
    return times;
  };

  it('opens at once, for the time the server asks, on a 503 or 429', () => {
    const t = testBox({ breaker: { failureThreshold: 5, openDuration: 10_000 } });
    const times = openTimes(t);
    t.run(unavailable('120'));
    expect(t.box.state(ORIGIN)).toBe('open');
    t.box.reset();
    t.run(unavailable('60', 429));
    expect(times).toEqual([120_000, 60_000]);
  });

  it('stays open for the whole Retry-After when it is longer than openDuration', () => {
    const t = testBox({ breaker: { failureThreshold: 3, openDuration: 10_000 } });
    t.run(unavailable('120'));
    t.advance(60_000);
    expect(t.box.admit(ORIGIN).allowed).toBe(false);
    t.advance(60_000);
    expect(t.box.admit(ORIGIN).allowed).toBe(true);
  });

  it('caps a huge Retry-After at maxOpenDuration', () => {
    const t = testBox({ breaker: { maxOpenDuration: 300_000 } });
    const times = openTimes(t);
    t.run(unavailable('999999999'));
    expect(times).toEqual([300_000]);
  });

  it('pauses for exactly a short Retry-After, not openDuration, then lets requests flow as before', () => {
    // Failing first in 0.1: a 429 with Retry-After: 1 opened the origin for openDuration (30 s).
    const t = testBox({ breaker: { failureThreshold: 1e6, openDuration: 30_000 } });
    const times = openTimes(t);
    const causes: string[] = [];
    t.box.on('stateChange', (e) => causes.push(`${e.from}->${e.to}:${e.cause}`));
    t.run(unavailable('1', 429));
    expect(times).toEqual([1_000]);
    t.advance(999);
    expect(t.box.admit(ORIGIN).allowed).toBe(false);
    t.advance(1);
    expect(t.box.state(ORIGIN)).toBe('closed');
    // Not a half-open probe: every request is admitted at once.
    expect([t.run(ok), t.run(ok), t.run(ok)]).toEqual(['success', 'success', 'success']);
    expect(causes).toEqual(['closed->open:retry-after', 'open->closed:pause-ended']);
  });

  it('keeps the failure streak across pauses, so a host that always answers 503 with a short Retry-After still trips', () => {
    const t = testBox({ breaker: { failureThreshold: 3, openDuration: 30_000 } });
    const times = openTimes(t);
    for (let i = 0; i < 3; i++) {
      t.run(unavailable('1'));
      t.advance(1_000);
    }
    expect(times).toEqual([1_000, 1_000, 30_000]);
  });

  it('treats Retry-After: 0 as an ordinary failure', () => {
    const t = testBox({ breaker: { failureThreshold: 2 } });
    t.run(unavailable('0'));
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('accepts only the three RFC 9110 date forms', () => {
    const now = Date.parse('Sun, 06 Nov 1994 08:49:00 GMT');
    for (const date of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
      expect(parseRetryAfter({ 'retry-after': date }, now), date).toBe(37_000);
    }
    // Failing first in 0.1: JavaScript's own Date#toString form was accepted.
    for (const date of ['Sun Nov 06 1994 08:49:37 GMT', '1994-11-06T08:49:37Z', 'Sun, 6 Nov 1994 08:49:37 GMT', '1.5', '-1']) {
      expect(parseRetryAfter({ 'retry-after': date }, now), date).toBeUndefined();
    }
  });

  it('ignores a malformed Retry-After and counts a plain failure', () => {
    const t = testBox({ breaker: { failureThreshold: 2 } });
    t.run(unavailable('soon'));
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('ignores Retry-After on other failure statuses', () => {
    const t = testBox({ breaker: { failureThreshold: 2 } });
    t.run(unavailable('120', 500));
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('ignores Retry-After when respectRetryAfter is false', () => {
    const t = testBox({ breaker: { failureThreshold: 2, respectRetryAfter: false } });
    t.run(unavailable('120'));
    expect(t.box.state(ORIGIN)).toBe('closed');
  });

  it('uses Retry-After of a failed probe for the re-open time', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const times = openTimes(t);
    t.fail();
    t.advance(1_000);
    t.run(unavailable('45'));
    expect(times).toEqual([1_000, 45_000]);
  });
});

import { describe, expect, it } from 'vitest';
import { AbortLedger } from '../../src/adapters/ky/abort-ledger.js';
import type { Outcome } from '../../src/index.js';

/** A ky `TimeoutError` as the hooks see it, without importing ky. */
function timeoutError(request: Request): Error {
  return Object.assign(new Error('Request timed out'), { name: 'TimeoutError', request });
}

function recorder() {
  const calls: Outcome[] = [];
  return { calls, record: (outcome: Outcome) => void calls.push(outcome) };
}

describe('AbortLedger', () => {
  it('records a timeout when ky\'s TimeoutError arrives after fetch saw the abort', () => {
    const ledger = new AbortLedger();
    const request = new Request('https://a.example.test/');
    const { calls, record } = recorder();
    ledger.settle(request, new DOMException('aborted', 'AbortError'), record);
    expect(calls).toEqual([]);
    ledger.attemptFailed(timeoutError(request));
    expect(calls).toEqual([{ kind: 'timeout' }]);
  });

  it('records a timeout when ky\'s TimeoutError arrives before fetch saw the abort', () => {
    const ledger = new AbortLedger();
    const request = new Request('https://a.example.test/');
    const { calls, record } = recorder();
    ledger.attemptFailed(timeoutError(request));
    ledger.settle(request, new DOMException('aborted', 'AbortError'), record);
    expect(calls).toEqual([{ kind: 'timeout' }]);
  });

  it('records the caller\'s abort when ky reports the abort error itself', () => {
    const ledger = new AbortLedger();
    const request = new Request('https://a.example.test/');
    const abort = new DOMException('aborted', 'AbortError');
    const { calls, record } = recorder();
    ledger.settle(request, abort, record);
    ledger.attemptFailed(abort);
    expect(calls).toEqual([{ kind: 'aborted' }]);
  });

  it('finds the abort inside an error that wraps it as its cause', () => {
    const ledger = new AbortLedger();
    const abort = new DOMException('aborted', 'AbortError');
    const { calls, record } = recorder();
    ledger.settle(new Request('https://a.example.test/'), abort, record);
    ledger.attemptFailed(new Error('wrapped', { cause: abort }));
    expect(calls).toEqual([{ kind: 'aborted' }]);
  });

  it('leaves other attempts alone', () => {
    const ledger = new AbortLedger();
    const mine = recorder();
    ledger.settle(new Request('https://a.example.test/'), new DOMException('aborted', 'AbortError'), mine.record);
    ledger.attemptFailed(timeoutError(new Request('https://a.example.test/')));
    ledger.attemptFailed(new DOMException('another', 'AbortError'));
    ledger.attemptFailed('not an error');
    expect(mine.calls).toEqual([]);
  });

  it('records an abort at once when the input is not a Request (nothing could settle it later)', () => {
    const ledger = new AbortLedger();
    const { calls, record } = recorder();
    ledger.settle('https://a.example.test/', new DOMException('aborted', 'AbortError'), record);
    expect(calls).toEqual([{ kind: 'aborted' }]);
  });
});

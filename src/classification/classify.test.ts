import { describe, expect, it, vi } from 'vitest';
import { ORIGIN, testBox } from '../core/test-support.js';
import type { Outcome } from '../core/types.js';
import { createStatusClassifier, defaultFailureStatuses } from './classify.js';

const request = { method: 'GET', url: `${ORIGIN}/x`, origin: ORIGIN };
const response = (status: number): Outcome => ({ kind: 'response', status });

describe('default classification', () => {
  const classify = createStatusClassifier(defaultFailureStatuses);

  it.each([408, 429, 500, 502, 503, 504, 599])('counts status %i as a failure', (status) => {
    expect(classify(response(status), request)).toBe('failure');
  });

  it.each([200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422])('counts status %i as a success', (status) => {
    expect(classify(response(status), request)).toBe('success');
  });

  it('counts network errors and timeouts as failures and ignores the caller abort', () => {
    expect(classify({ kind: 'network', code: 'ECONNREFUSED' }, request)).toBe('failure');
    expect(classify({ kind: 'network' }, request)).toBe('failure');
    expect(classify({ kind: 'timeout' }, request)).toBe('failure');
    expect(classify({ kind: 'aborted' }, request)).toBe('ignore');
  });
});

describe('classification options', () => {
  it('replaces the failing statuses with failureStatuses', () => {
    const t = testBox({ breaker: { failureThreshold: 1 }, failureStatuses: [404] });
    expect(t.run(response(503))).toBe('success');
    expect(t.run(response(404))).toBe('failure');
    expect(t.box.state(ORIGIN)).toBe('open');
  });

  it('lets classify decide everything and tells it about the request', () => {
    const seen: unknown[] = [];
    const t = testBox({
      classify: (outcome, req) => {
        seen.push({ kind: outcome.kind, method: req.method, url: req.url, origin: req.origin });
        return 'ignore';
      },
    });
    expect(t.run({ kind: 'timeout' })).toBe('ignore');
    expect(seen).toEqual([{ kind: 'timeout', method: 'GET', url: `${ORIGIN}/a`, origin: ORIGIN }]);
  });

  it('prefers a host failureStatuses over a box classify', () => {
    const t = testBox({ classify: () => 'success', hosts: { [ORIGIN]: { failureStatuses: [503] } } });
    expect(t.run(response(503))).toBe('failure');
    expect(t.run(response(503), 'https://other.example.com/')).toBe('success');
  });

  it('reports a classify that returns something else, counts it as ignore, and frees the probe permit', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 }, classify: (o) => (o.kind === 'timeout' ? ('maybe' as never) : 'failure') });
    t.fail();
    t.advance(1_000);
    expect(t.run({ kind: 'timeout' })).toBe('ignore');
    expect(String(errors.mock.calls[0]?.[1])).toContain(`classify must return 'success', 'failure' or 'ignore', got "maybe"`);
    expect(t.box.admit(ORIGIN).allowed).toBe(true);
    errors.mockRestore();
  });

  it('frees the half-open probe permit when classify throws (0.1 kept it for openDuration)', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 }, classify: (o) => { if (o.kind === 'timeout') throw new Error('classifier bug'); return 'failure'; } });
    t.fail();
    t.advance(1_000);
    expect(t.run({ kind: 'timeout' })).toBe('ignore');
    expect(errors).toHaveBeenCalledTimes(1);
    // The next request gets the probe slot at once, not after openDuration.
    expect(t.box.admit(ORIGIN).allowed).toBe(true);
    errors.mockRestore();
  });
});

import { describe, expect, it, vi } from 'vitest';
import { ORIGIN, URL_A, ok, serverError, testBox } from '../core/test-support.js';

describe('box.on', () => {
  it('reports every state change in order', () => {
    const t = testBox({ breaker: { failureThreshold: 1, openDuration: 1_000 } });
    const changes: string[] = [];
    t.box.on('stateChange', (e) => changes.push(`${e.from}>${e.to}`));
    t.fail();
    t.advance(1_000);
    t.succeed();
    t.box.isolate(ORIGIN);
    t.box.reset(ORIGIN);
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>closed', 'closed>isolated', 'isolated>closed']);
  });

  it('reports outcomes with their verdict and duration, and refusals', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    const outcomes: unknown[] = [];
    const rejected: unknown[] = [];
    t.box.on('outcome', (e) => outcomes.push({ verdict: e.verdict, duration: e.duration, kind: e.outcome.kind }));
    t.box.on('rejected', (e) => rejected.push(e));
    const permit = t.box.admit(URL_A);
    t.advance(250);
    if (permit.allowed) permit.record(serverError);
    t.run(ok);
    expect(outcomes).toEqual([{ verdict: 'failure', duration: 250, kind: 'response' }]);
    expect(rejected).toEqual([{ origin: ORIGIN, method: 'GET', url: URL_A, state: 'open' }]);
  });

  it('stops delivering after unsubscribe', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    const listener = vi.fn();
    const off = t.box.on('stateChange', listener);
    off();
    t.fail();
    expect(listener).not.toHaveBeenCalled();
  });

  it('keeps the request going when a listener throws, and still calls the others', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const second = vi.fn();
    t.box.on('stateChange', () => {
      throw new Error('listener bug');
    });
    t.box.on('stateChange', second);
    expect(t.run(serverError)).toBe('failure');
    expect(second).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });

  it('rejects an unknown event name and a non-function listener', () => {
    const t = testBox();
    expect(() => t.box.on('open' as never, () => {})).toThrow(/event must be one of 'stateChange', 'fallback', 'rejected', 'outcome', 'retry', got "open"/);
    expect(() => t.box.on('stateChange', 'x' as never)).toThrow(/listener must be a function, got string/);
  });
});

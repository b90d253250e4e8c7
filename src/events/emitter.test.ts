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

  it('reports every reset asked for: of one origin whatever its state, and of all only those it moved', () => {
    const t = testBox({ breaker: { failureThreshold: 1 } });
    const resets: string[] = [];
    t.box.on('reset', (e) => resets.push(e.origin));
    // Closed here, and never seen: still a reset asked for (another replica may hold it open).
    t.box.reset(URL_A);
    t.box.reset('https://never.example.com/x');
    t.fail();
    t.box.isolate('https://isolated.example.com');
    t.box.state('https://closed.example.com');
    t.box.admit('https://closed.example.com/x');
    t.box.reset();
    expect(resets).toEqual([ORIGIN, 'https://never.example.com', ORIGIN, 'https://isolated.example.com']);
  });

  it('reports every isolate asked for, an origin isolated already included', () => {
    const t = testBox();
    const isolates: string[] = [];
    const changes: string[] = [];
    t.box.on('isolate', (e) => isolates.push(e.origin));
    t.box.on('stateChange', (e) => changes.push(`${e.from}>${e.to}`));
    t.box.isolate(URL_A);
    t.box.isolate(ORIGIN);
    expect(isolates).toEqual([ORIGIN, ORIGIN]);
    expect(changes).toEqual(['closed>isolated']);
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
    expect(() => t.box.on('open' as never, () => {})).toThrow(/event must be one of 'stateChange', 'fallback', 'rejected', 'outcome', 'retry', 'reset', 'isolate', got "open"/);
    expect(() => t.box.on('stateChange', 'x' as never)).toThrow(/listener must be a function, got string/);
  });
});

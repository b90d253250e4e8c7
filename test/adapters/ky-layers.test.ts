import ky from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patchGlobalFetch } from '../../src/adapters/fetch/index.js';
import { kyOptions } from '../../src/adapters/ky/index.js';
import { createBreakerBox, type BreakerBox, type Outcome } from '../../src/index.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock } from '../helpers/manual-clock.js';

let server: LocalServer;
let restore: (() => boolean) | undefined;
beforeAll(async () => {
  server = await startLocalServer();
});
afterEach(() => {
  restore?.();
  restore = undefined;
});
afterAll(() => server.close());

function recorded(box: BreakerBox): Outcome[] {
  const outcomes: Outcome[] = [];
  box.on('outcome', (e) => outcomes.push(e.outcome));
  return outcomes;
}

describe('kyOptions over a fetch patched by patchGlobalFetch', () => {
  it('admits and records each attempt once when both layers use the same box', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 10 }, clock: createManualClock() });
    const outcomes = recorded(box);
    restore = patchGlobalFetch(box);
    const api = ky.create({ ...kyOptions(box), retry: { limit: 2, delay: () => 0 } });
    const hits = server.hits();
    await expect(api.get(`${server.origin}/status/503`)).rejects.toThrow(expect.objectContaining({ name: 'HTTPError' }));
    expect(server.hits()).toBe(hits + 3);
    expect(outcomes).toHaveLength(3);
    expect(box.snapshot()[0]).toMatchObject({ failures: 3 });
  });

  it('records a ky timeout once, as a timeout, through both layers', async () => {
    const box = createBreakerBox({ clock: createManualClock() });
    const outcomes = recorded(box);
    restore = patchGlobalFetch(box);
    const api = ky.create({ ...kyOptions(box), timeout: 60, retry: 0 });
    await expect(api.get(`${server.origin}/hang`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });

  it('counts a request once in each box when the layers use different boxes', async () => {
    const outer = createBreakerBox({ clock: createManualClock() });
    const inner = createBreakerBox({ clock: createManualClock() });
    const outerOutcomes = recorded(outer);
    const innerOutcomes = recorded(inner);
    restore = patchGlobalFetch(inner);
    const api = ky.create({ ...kyOptions(outer), retry: 0 });
    expect(await api.get(`${server.origin}/ok`).json()).toMatchObject({ ok: true });
    expect(outerOutcomes).toHaveLength(1);
    expect(innerOutcomes).toHaveLength(1);
  });
});

describe('kyOptions with ky.create and .extend', () => {
  it('keeps working when hooks are added after it with extend', async () => {
    const box = createBreakerBox({ clock: createManualClock() });
    const outcomes = recorded(box);
    const seen: string[] = [];
    const api = ky.create(kyOptions(box)).extend({
      timeout: 60,
      retry: 0,
      hooks: {
        beforeError: [
          ({ error }) => {
            seen.push(error.name);
            return error;
          },
        ],
      },
    });
    await expect(api.get(`${server.origin}/hang`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(seen).toEqual(['TimeoutError']);
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });

  it('gates an instance extended from a base with its own options', async () => {
    const box = createBreakerBox({ breaker: { failureThreshold: 1 }, clock: createManualClock() });
    const base = ky.create({ prefix: server.origin, retry: 0 });
    const api = base.extend(kyOptions(box));
    const hits = server.hits();
    await expect(api.get('status/500')).rejects.toThrow(expect.objectContaining({ name: 'HTTPError' }));
    expect(box.state(server.origin)).toBe('open');
    await expect(api.get('ok')).rejects.toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
    expect(server.hits()).toBe(hits + 1);
  });
});

describe('kyOptions input checks', () => {
  it('throws a TypeError naming the argument when the box is missing', () => {
    expect(() => kyOptions(undefined as never)).toThrow(/kyOptions expects a box from createBreakerBox\(\).*got undefined/);
  });

  it('throws a TypeError naming the option when fetch is not a function', () => {
    const box = createBreakerBox();
    expect(() => kyOptions(box, { fetch: 'nope' as never })).toThrow(new TypeError('kyOptions options.fetch must be a function, got string'));
  });

  it('sends attempts with the fetch it is given', async () => {
    const box = createBreakerBox();
    const sent: string[] = [];
    const api = ky.create({
      ...kyOptions(box, {
        fetch: async (input) => {
          sent.push(input instanceof Request ? input.url : String(input));
          return new Response('{"mine":true}', { headers: { 'content-type': 'application/json' } });
        },
      }),
      retry: 0,
    });
    expect(await api.get('https://custom.example.test/a').json()).toEqual({ mine: true });
    expect(sent).toEqual(['https://custom.example.test/a']);
    expect(box.snapshot()[0]).toMatchObject({ origin: 'https://custom.example.test', successes: 1 });
  });
});

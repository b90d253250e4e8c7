import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError, type Outcome } from '../../src/index.js';
import { closedPort, startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock } from '../helpers/manual-clock.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

function boxWithOutcomes(options: Parameters<typeof createBreakerBox>[0] = {}) {
  const box = createBreakerBox(options);
  const outcomes: Outcome[] = [];
  box.on('outcome', (e) => outcomes.push(e.outcome));
  return { box, outcomes, fetch: createFetch(box) };
}

describe('createFetch against a real local server', () => {
  it('classifies a refused connection as a network failure with its code', async () => {
    const { fetch, outcomes } = boxWithOutcomes();
    const url = `http://127.0.0.1:${await closedPort()}/x`;
    await expect(fetch(url)).rejects.toThrow(TypeError);
    expect(outcomes).toEqual([{ kind: 'network', code: 'ECONNREFUSED' }]);
  });

  it('classifies a reset socket as a network failure', async () => {
    const { fetch, outcomes } = boxWithOutcomes();
    await expect(fetch(`${server.origin}/reset`)).rejects.toThrow(TypeError);
    expect(outcomes).toEqual([{ kind: 'network', code: 'ECONNRESET' }]);
  });

  it('times out a hang beyond the timeout', async () => {
    const { fetch, outcomes } = boxWithOutcomes({ timeout: 100 });
    await expect(fetch(`${server.origin}/hang`)).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(outcomes).toEqual([{ kind: 'timeout' }]);
  });

  it('opens for the Retry-After of a 503 and sends nothing until then', async () => {
    const clock = createManualClock();
    const { fetch, box } = boxWithOutcomes({ clock, breaker: { failureThreshold: 5, openDuration: 10_000 } });
    const hits = server.hits();
    const response = await fetch(`${server.origin}/status/503?retryAfter=120`);
    expect(response.status).toBe(503);
    expect(box.state(server.origin)).toBe('open');
    clock.advance(119_000);
    const error = await fetch(`${server.origin}/ok`).catch((e: unknown) => e);
    expect(isCircuitOpenError(error) && error.retryAfter).toBe(1_000);
    expect(server.hits()).toBe(hits + 1);
    clock.advance(1_000);
    expect((await fetch(`${server.origin}/ok`)).status).toBe(200);
    expect(box.state(server.origin)).toBe('closed');
  });

  it('counts 4xx answers as successes', async () => {
    const { fetch, box } = boxWithOutcomes({ breaker: { failureThreshold: 1 } });
    expect((await fetch(`${server.origin}/status/404`)).status).toBe(404);
    expect(box.state(server.origin)).toBe('closed');
  });

  it('serves a cached body that was read in full, while the live one is read by the caller', async () => {
    const clock = createManualClock();
    const { fetch, box } = boxWithOutcomes({ clock, breaker: { failureThreshold: 1 }, fallback: { cache: true } });
    const live = await fetch(`${server.origin}/cached`);
    expect(await live.json()).toEqual({ ok: true, path: '/cached' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fetch(`${server.origin}/reset`).catch(() => {});
    expect(box.state(server.origin)).toBe('open');
    for (let i = 0; i < 2; i++) {
      const replay = await fetch(`${server.origin}/cached`);
      expect(replay.headers.get('x-breakerbox-fallback')).toBe('cache');
      expect(await replay.json()).toEqual({ ok: true, path: '/cached' });
    }
  });
});

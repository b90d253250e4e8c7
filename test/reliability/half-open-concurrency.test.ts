import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError, type BreakerBox } from '../../src/index.js';
import { countRequests, listenStrict, outage } from '../../src/testing/msw/index.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';

const API = 'https://api.example.test';
const CROWD = 1_000;
const PROBES = 3;
const OPEN_FOR = 10_000;

let local: LocalServer;
const server = setupServer();
const requests = countRequests(server);

beforeAll(async () => {
  local = await startLocalServer();
  // The real server's traffic passes through MSW, so both counters see it.
  listenStrict(server, { passthrough: [local.origin] });
});
afterEach(() => {
  server.resetHandlers();
  requests.reset();
});
afterAll(async () => {
  requests.dispose();
  server.close();
  await local.close();
});

type Settled = { kind: 'response'; status: number; fallback: string | null } | { kind: 'open'; state: string } | { kind: 'error'; name: string };

/** Start `n` requests at once; each pushes how it ended onto `order` when it settles. */
function crowd(fetch: typeof globalThis.fetch, url: string, n: number, order: Settled[]): Promise<void>[] {
  return Array.from({ length: n }, () =>
    fetch(url).then(
      async (response) => {
        await response.arrayBuffer();
        order.push({ kind: 'response', status: response.status, fallback: response.headers.get('x-breakerbox-fallback') });
      },
      (error: unknown) => {
        order.push(isCircuitOpenError(error) ? { kind: 'open', state: error.state } : { kind: 'error', name: (error as Error).name });
      },
    ),
  );
}

/** A box whose origin is already half-open: tripped by one failure, then its open time waited out on the manual clock. */
async function halfOpenBox(tripUrl: string, options: { fallback?: boolean; halfOpenProbes?: number } = {}): Promise<{ box: BreakerBox; clock: ManualClock; fetch: typeof globalThis.fetch }> {
  const clock = createManualClock();
  const box = createBreakerBox({
    breaker: { failureThreshold: 1, openDuration: OPEN_FOR, halfOpenProbes: options.halfOpenProbes ?? PROBES },
    ...(options.fallback ? { fallback: { value: { status: 200, body: { queued: true } } } } : {}),
    clock,
  });
  const fetch = createFetch(box) as typeof globalThis.fetch;
  const trip = await fetch(tripUrl);
  await trip.arrayBuffer();
  expect(box.state(tripUrl)).toBe('open');
  clock.advance(OPEN_FOR);
  expect(box.state(tripUrl)).toBe('half-open');
  return { box, clock, fetch };
}

describe('half-open admission under a crowd', () => {
  it('lets exactly halfOpenProbes requests reach MSW and answers the rest at once when 1,000 arrive together', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.use(
      outage.failTimes(1, API, { kind: 'status', status: 500 }),
      http.get(`${API}/*`, async () => {
        await gate;
        return HttpResponse.json({ fresh: true });
      }),
    );
    const { box, fetch } = await halfOpenBox(`${API}/trip`, { fallback: true });
    const order: Settled[] = [];
    const all = crowd(fetch, `${API}/items`, CROWD, order);

    // Refusals settle in microtasks; the probes are held at the gate.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toHaveLength(CROWD - PROBES);
    expect(order.every((r) => r.kind === 'response' && r.fallback === 'value')).toBe(true);

    release();
    await Promise.all(all);
    const fresh = order.slice(CROWD - PROBES);
    expect(fresh).toEqual(Array.from({ length: PROBES }, () => ({ kind: 'response', status: 200, fallback: null })));
    expect(requests.get(API)).toBe(1 + PROBES);
    expect(box.state(API)).toBe('closed');
    console.log(`half-open crowd (MSW): ${CROWD} requests, ${requests.get(API) - 1} reached the host, ${CROWD - PROBES} answered by the fallback`);
  });

  it('lets exactly halfOpenProbes requests reach a real server, and refuses the rest before any probe answers', async () => {
    const { box, fetch } = await halfOpenBox(`${local.origin}/status/500`);
    const hitsBefore = local.hits();
    const order: Settled[] = [];
    await Promise.all(crowd(fetch, `${local.origin}/ok`, CROWD, order));

    const refused = order.slice(0, CROWD - PROBES);
    expect(refused.every((r) => r.kind === 'open' && r.state === 'half-open')).toBe(true);
    expect(order.slice(CROWD - PROBES)).toEqual(Array.from({ length: PROBES }, () => ({ kind: 'response', status: 200, fallback: null })));
    expect(local.hits() - hitsBefore).toBe(PROBES);
    expect(requests.get(local.origin)).toBe(1 + PROBES);
    expect(box.state(local.origin)).toBe('closed');
    console.log(`half-open crowd (node:http): ${CROWD} requests, ${local.hits() - hitsBefore} reached the server`);
  });
});

describe('half-open probe slots', () => {
  it('gives the slot back when the probe is aborted, so the next request probes', async () => {
    server.use(outage.failTimes(1, API, { kind: 'status', status: 500 }), outage.hang(`${API}/slow`), http.get(`${API}/fast`, () => HttpResponse.text('ok')));
    const { box, fetch } = await halfOpenBox(`${API}/trip`, { halfOpenProbes: 1 });
    const controller = new AbortController();
    const reached = new Promise<void>((resolve) => server.events.on('request:start', () => resolve(), { once: true }));
    const probe = fetch(`${API}/slow`, { signal: controller.signal });
    await reached;

    const whileHeld = await fetch(`${API}/fast`).catch((error: unknown) => error);
    expect(isCircuitOpenError(whileHeld) && whileHeld.state).toBe('half-open');

    controller.abort();
    await expect(probe).rejects.toThrow(/abort/i);
    const next = await fetch(`${API}/fast`);
    expect(await next.text()).toBe('ok');
    expect(requests.get(API)).toBe(3); // the trip, the aborted probe, the probe after it
    expect(box.state(API)).toBe('closed');
  });

  it('forfeits a probe that never reports once openDuration has passed, so the breaker cannot stay stuck', async () => {
    server.use(outage.failTimes(1, API, { kind: 'status', status: 500 }), outage.hang(`${API}/slow`), http.get(`${API}/fast`, () => HttpResponse.text('ok')));
    const { box, clock, fetch } = await halfOpenBox(`${API}/trip`, { halfOpenProbes: 1 });
    const controller = new AbortController();
    const stuck = fetch(`${API}/slow`, { signal: controller.signal }).catch(() => undefined);

    clock.advance(OPEN_FOR - 1);
    expect(isCircuitOpenError(await fetch(`${API}/fast`).catch((error: unknown) => error))).toBe(true);
    clock.advance(1);
    expect((await fetch(`${API}/fast`)).status).toBe(200);
    expect(box.state(API)).toBe('closed');

    controller.abort();
    await stuck;
  });
});

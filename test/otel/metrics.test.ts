import { createBreakerBox, type BreakerBox } from '../../src/index.js';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { instrument, metricNames, stateValues } from '../../src/otel/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';
import { createScriptedFetch } from './fake-origins.js';
import { createMetricsHarness } from './metrics-harness.js';

const A = 'https://api.example.com';
const B = 'https://auth.example.com';
const C = 'https://legacy.example.com';

describe('instrument() metrics', () => {
  let clock: ManualClock;
  let harness: ReturnType<typeof createMetricsHarness>;
  let box: BreakerBox;
  let origins: ReturnType<typeof createScriptedFetch>;
  let fetch: ReturnType<typeof createFetch>;
  let stop: () => void;

  beforeEach(() => {
    clock = createManualClock();
    harness = createMetricsHarness();
    box = createBreakerBox({
      clock,
      breaker: { failureThreshold: 3, openDuration: 1_000 },
      fallback: { value: { status: 200, body: { queued: true } } },
    });
    origins = createScriptedFetch(clock);
    fetch = createFetch(box, { fetch: origins.fetch });
    stop = instrument(box, { meterProvider: harness.meterProvider });
  });

  afterEach(async () => {
    stop();
    await harness.shutdown();
  });

  /** 4 successes, 3 failures that open, 5 refusals answered by the value fallback, a probe that closes. */
  async function scriptedOutage(): Promise<void> {
    origins.set(A, 200, 20);
    for (let i = 0; i < 4; i++) expect((await fetch(`${A}/users?page=${i}`)).status).toBe(200);
    origins.set(A, 503, 50);
    for (let i = 0; i < 3; i++) expect((await fetch(`${A}/users`)).status).toBe(503);
    expect(box.state(A)).toBe('open');
    for (let i = 0; i < 5; i++) expect((await fetch(`${A}/users`)).headers.get('x-breakerbox-fallback')).toBe('value');
    clock.advance(1_000);
    origins.set(A, 200, 30);
    expect((await fetch(`${A}/users`)).headers.get('x-breakerbox-fallback')).toBeNull();
    expect(box.state(A)).toBe('closed');
  }

  it('counts attempts by verdict and outcome, refusals, fallbacks and transitions exactly after an outage', async () => {
    await scriptedOutage();
    const collected = await harness.collect();
    const origin = { 'breakerbox.origin': A };

    expect(collected.sum(metricNames.requests, { ...origin, 'breakerbox.verdict': 'success', 'breakerbox.outcome': 'response' })).toBe(5);
    expect(collected.sum(metricNames.requests, { ...origin, 'breakerbox.verdict': 'failure', 'breakerbox.outcome': 'response' })).toBe(3);
    expect(collected.sum(metricNames.requests)).toBe(8); // the 5 refused requests never went out
    expect(collected.points(metricNames.rejections)).toEqual([{ attributes: { ...origin, 'breakerbox.state': 'open' }, value: 5 }]);
    expect(collected.points(metricNames.fallbacks)).toEqual([
      { attributes: { ...origin, 'breakerbox.fallback.source': 'value', 'breakerbox.fallback.reason': 'open' }, value: 5 },
    ]);
    const transitions = collected.points(metricNames.transitions).map(({ attributes, value }) => ({ ...attributes, value }));
    expect(transitions).toEqual([
      { ...origin, 'breakerbox.state.from': 'closed', 'breakerbox.state.to': 'open', 'breakerbox.transition.cause': 'failures', value: 1 },
      { ...origin, 'breakerbox.state.from': 'open', 'breakerbox.state.to': 'half-open', 'breakerbox.transition.cause': 'open-elapsed', value: 1 },
      { ...origin, 'breakerbox.state.from': 'half-open', 'breakerbox.state.to': 'closed', 'breakerbox.transition.cause': 'probe-succeeded', value: 1 },
    ]);
    expect(collected.sum(metricNames.retries)).toBe(0);
  });

  it('records each attempt that went out in the duration histogram, in seconds', async () => {
    await scriptedOutage();
    const collected = await harness.collect();
    expect(collected.metric(metricNames.attemptDuration)?.descriptor.unit).toBe('s');
    const [success] = collected.histograms(metricNames.attemptDuration, { 'breakerbox.origin': A, 'breakerbox.verdict': 'success' });
    const [failure] = collected.histograms(metricNames.attemptDuration, { 'breakerbox.origin': A, 'breakerbox.verdict': 'failure' });
    expect(success).toMatchObject({ count: 5, min: 0.02, max: 0.03 });
    expect(success!.sum).toBeCloseTo(4 * 0.02 + 0.03, 10);
    expect(failure).toMatchObject({ count: 3, min: 0.05, max: 0.05 });
    // 50 ms falls in the (0.025, 0.05] bucket of the http.client.request.duration boundaries.
    expect(failure!.buckets.boundaries.slice(0, 4)).toEqual([0.005, 0.01, 0.025, 0.05]);
    expect(failure!.buckets.counts[3]).toBe(3);
  });

  it('keeps the histogram count equal to the attempts when the clock steps back during one', async () => {
    origins.set(A, 200, -5); // a wall clock corrected backwards by NTP mid-request
    await fetch(`${A}/`);
    const collected = await harness.collect();
    expect(collected.sum(metricNames.requests)).toBe(1);
    expect(collected.histograms(metricNames.attemptDuration)[0]).toMatchObject({ count: 1, min: 0, max: 0 });
  });

  it('reports every known origin in the state gauge with its own value', async () => {
    origins.set(A, 503);
    for (let i = 0; i < 3; i++) await fetch(`${A}/`);
    await fetch(`${B}/login`);
    box.isolate(C);
    expect(await harness.collect().then((c) => c.gauge(metricNames.state))).toEqual({ [A]: stateValues.open, [B]: stateValues.closed, [C]: stateValues.isolated });

    // When the open time ends, the gauge shows what the next request will find.
    clock.advance(1_000);
    expect((await harness.collect()).gauge(metricNames.state)[A]).toBe(stateValues['half-open']);
    box.reset(C);
    expect((await harness.collect()).gauge(metricNames.state)[C]).toBe(stateValues.closed);
  });

  it('names the instruments of the contract, and nothing else', async () => {
    await scriptedOutage();
    expect((await harness.collect()).names()).toEqual(
      [metricNames.attemptDuration, metricNames.fallbacks, metricNames.rejections, metricNames.requests, metricNames.state, metricNames.transitions].sort(),
    );
    expect(Object.values(metricNames).sort()).toEqual([
      'breakerbox.attempt.duration',
      'breakerbox.fallbacks',
      'breakerbox.rejections',
      'breakerbox.requests',
      'breakerbox.retries',
      'breakerbox.state',
      'breakerbox.transitions',
    ]);
  });

  it('never puts a path or a query string in an attribute', async () => {
    await scriptedOutage();
    const collected = await harness.collect();
    const values = Object.values(metricNames).flatMap((name) => collected.points(name).flatMap((point) => Object.values(point.attributes)));
    expect(values.length).toBeGreaterThan(20);
    for (const value of values) expect(String(value)).not.toMatch(/\/users|page=/);
  });

  it('counts nothing and observes nothing after stop(), and a second stop() is harmless', async () => {
    await fetch(`${A}/`);
    expect((await harness.collect()).sum(metricNames.requests)).toBe(1);
    stop();
    stop();
    await fetch(`${A}/`);
    box.isolate(C);
    const after = await harness.collect();
    // Cumulative series keep their last total (a counter never drops), and grow no more.
    expect(after.sum(metricNames.requests)).toBe(1);
    expect(after.histograms(metricNames.attemptDuration)[0]?.count).toBe(1);
    expect(after.points(metricNames.transitions)).toEqual([]);
    expect(after.gauge(metricNames.state)).not.toHaveProperty(C);
  });
});

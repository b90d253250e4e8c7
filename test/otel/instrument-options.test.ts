import { metrics } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, type BreakerBox } from '../../src/index.js';
import { instrument, metricNames, stateValues } from '../../src/otel/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { createScriptedFetch } from './fake-origins.js';
import { createEventSource } from './retrying-box.js';
import { createMetricsHarness } from './metrics-harness.js';

const harnesses: ReturnType<typeof createMetricsHarness>[] = [];
const stops: (() => void)[] = [];

function setup(options: { label?: (origin: string) => string; temporality?: AggregationTemporality } = {}) {
  const clock = createManualClock();
  const harness = createMetricsHarness(options.temporality);
  harnesses.push(harness);
  const box = createBreakerBox({ clock, breaker: { failureThreshold: 2, openDuration: 1_000 } });
  const origins = createScriptedFetch(clock);
  const fetch = createFetch(box, { fetch: origins.fetch });
  const stop = instrument(box, { meterProvider: harness.meterProvider, ...(options.label ? { origin: options.label } : {}) });
  stops.push(stop);
  return { clock, harness, box, origins, fetch, stop };
}

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const harness of harnesses.splice(0)) await harness.shutdown();
  vi.restoreAllMocks();
});

describe('instrument() options', () => {
  const box = createBreakerBox();

  it.each([
    [null, 'instrument expects a box from createBreakerBox() as its first argument, got null'],
    [{ admit() {} }, 'instrument expects a box from createBreakerBox() as its first argument, got object'],
    ['box', 'instrument expects a box from createBreakerBox() as its first argument, got "box"'],
  ])('throws a TypeError for the box %j', (value, message) => {
    expect(() => instrument(value as unknown as BreakerBox)).toThrow(new TypeError(message));
  });

  it.each([
    [null, 'instrument options must be an object, got null'],
    [[], 'instrument options must be an object, got an array'],
    [{ meterProvider: {} }, 'instrument options.meterProvider must be a MeterProvider (an object with getMeter()), got object'],
    [{ meterProvider: 'prometheus' }, 'instrument options.meterProvider must be a MeterProvider (an object with getMeter()), got "prometheus"'],
    [{ origin: 'https://api.example.com' }, 'instrument options.origin must be a function from origin to label, got "https://api.example.com"'],
    [{ origin: 42 }, 'instrument options.origin must be a function from origin to label, got number 42'],
  ])('throws a TypeError naming the option for %j', (options, message) => {
    expect(() => instrument(box, options as never)).toThrow(new TypeError(message));
  });

  it('uses the global MeterProvider by default', async () => {
    const harness = createMetricsHarness();
    harnesses.push(harness);
    metrics.setGlobalMeterProvider(harness.meterProvider);
    try {
      const local = createBreakerBox();
      stops.push(instrument(local));
      local.isolate('https://api.example.com');
      expect((await harness.collect()).gauge(metricNames.state)).toEqual({ 'https://api.example.com': stateValues.isolated });
    } finally {
      metrics.disable();
    }
  });

  it('refuses to instrument a box twice on one MeterProvider, and allows it again after stop()', async () => {
    const { box: local, harness, fetch, stop } = setup();
    await fetch('https://api.example.com/');
    expect(() => instrument(local, { meterProvider: harness.meterProvider })).toThrow(/already instrumented on this MeterProvider/);
    stop();
    stops.push(instrument(local, { meterProvider: harness.meterProvider }));
    await fetch('https://api.example.com/');
    // The counter goes on from its total: a cumulative series never drops back.
    expect((await harness.collect()).sum(metricNames.requests)).toBe(2);
  });
});

describe('instrument() origin mapping', () => {
  it('labels points with the mapped value only, calling the mapping once per origin', async () => {
    const label = vi.fn((origin: string) => (origin.endsWith('.shop.example.com') ? 'tenant-shops' : 'other'));
    const { fetch, harness } = setup({ label });
    for (let i = 0; i < 3; i++) await fetch(`https://acme.shop.example.com/orders/${i}`);
    await fetch('https://globex.shop.example.com/orders');
    await fetch('https://api.example.com/');
    const collected = await harness.collect();
    expect(collected.sum(metricNames.requests, { 'breakerbox.origin': 'tenant-shops' })).toBe(4);
    expect(collected.sum(metricNames.requests, { 'breakerbox.origin': 'other' })).toBe(1);
    expect(collected.gauge(metricNames.state)).toEqual({ 'tenant-shops': stateValues.closed, other: stateValues.closed });
    expect(JSON.stringify(Object.values(metricNames).map((name) => collected.points(name)))).not.toMatch(/acme|globex|api\.example/);
    expect(label.mock.calls.map(([origin]) => origin).sort()).toEqual(['https://acme.shop.example.com', 'https://api.example.com', 'https://globex.shop.example.com']);
  });

  it('shows the worst state of the origins grouped under one label', async () => {
    const { fetch, box, origins, harness } = setup({ label: () => 'all' });
    await fetch('https://a.example.com/');
    origins.set('https://b.example.com', 503);
    for (let i = 0; i < 2; i++) await fetch('https://b.example.com/');
    expect((await harness.collect()).gauge(metricNames.state)).toEqual({ all: stateValues.open });
    box.isolate('https://c.example.com');
    expect((await harness.collect()).gauge(metricNames.state)).toEqual({ all: stateValues.isolated });
  });

  it('reports a mapping that returns no string, and the request still succeeds', async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { fetch, harness } = setup({ label: () => undefined as unknown as string });
    expect((await fetch('https://api.example.com/')).status).toBe(200);
    expect(reported).toHaveBeenCalled();
    expect(String(reported.mock.calls[0]?.[1])).toBe('TypeError: instrument options.origin must return a string, got undefined for https://api.example.com');
    const collected = await harness.collect();
    expect(collected.points(metricNames.requests)).toEqual([]);
    expect(collected.points(metricNames.state)).toEqual([]);
  });
  it('counts origins past the 2000th label under _other, so ever new hosts keep memory and series bounded', async () => {
    // Above the SDK's own default limit of 2000 series per instrument, which would merge them first.
    const harness = createMetricsHarness(AggregationTemporality.CUMULATIVE, 5000);
    harnesses.push(harness);
    const { box, emit } = createEventSource();
    stops.push(instrument(box, { meterProvider: harness.meterProvider }));
    const outcome = (origin: string) => ({ origin, method: 'POST', url: `${origin}/hook`, outcome: { kind: 'response', status: 200 }, verdict: 'success', duration: 1 });
    for (let i = 0; i < 2003; i++) emit('outcome', outcome(`https://customer-${i}.example.net`));
    emit('outcome', outcome('https://customer-0.example.net'));
    const collected = await harness.collect();
    const labels = new Set(collected.points(metricNames.requests).map((point) => point.attributes['breakerbox.origin']));
    expect(labels.size).toBe(2001);
    expect(collected.sum(metricNames.requests, { 'breakerbox.origin': '_other' })).toBe(3);
    expect(collected.sum(metricNames.requests, { 'breakerbox.origin': 'https://customer-0.example.net' })).toBe(2);
  });
});

describe('instrument() on a shared MeterProvider', () => {
  it('adds up two boxes that talk to the same origin', async () => {
    const first = setup();
    const clock = createManualClock();
    const second = createBreakerBox({ clock, breaker: { failureThreshold: 1 } });
    const secondOrigins = createScriptedFetch(clock);
    const secondFetch = createFetch(second, { fetch: secondOrigins.fetch });
    stops.push(instrument(second, { meterProvider: first.harness.meterProvider }));
    await first.fetch('https://api.example.com/');
    await first.fetch('https://api.example.com/');
    secondOrigins.set('https://api.example.com', 500);
    await secondFetch('https://api.example.com/');
    const collected = await first.harness.collect();
    expect(collected.sum(metricNames.requests, { 'breakerbox.verdict': 'success' })).toBe(2);
    expect(collected.sum(metricNames.requests, { 'breakerbox.verdict': 'failure' })).toBe(1);
    expect(collected.gauge(metricNames.state)).toEqual({ 'https://api.example.com': stateValues.open });
  });

  it('reports increments with delta temporality', async () => {
    const { fetch, harness } = setup({ temporality: AggregationTemporality.DELTA });
    for (let i = 0; i < 3; i++) await fetch('https://api.example.com/');
    expect((await harness.collect()).sum(metricNames.requests)).toBe(3);
    await fetch('https://api.example.com/');
    const second = await harness.collect();
    expect(second.sum(metricNames.requests)).toBe(1);
    expect(second.histograms(metricNames.attemptDuration)[0]?.count).toBe(1);
  });
});

describe('instrument() retries', () => {
  it('counts retry events per origin, and unsubscribes from them on stop()', async () => {
    const harness = createMetricsHarness();
    harnesses.push(harness);
    const { box, emit, listeners } = createEventSource();
    const stop = instrument(box, { meterProvider: harness.meterProvider });
    const retry = { origin: 'https://api.example.com', method: 'GET', url: 'https://api.example.com/a?b=c', attempt: 2, delay: 80 };
    emit('retry', retry);
    emit('retry', { ...retry, attempt: 3, delay: 160 });
    expect((await harness.collect()).points(metricNames.retries)).toEqual([{ attributes: { 'breakerbox.origin': 'https://api.example.com' }, value: 2 }]);
    expect([...listeners.keys()].sort()).toEqual(['fallback', 'outcome', 'rejected', 'retry', 'stateChange']);
    stop();
    expect(listeners.size).toBe(0);
  });
});

import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, isCircuitOpenError, type BreakerBox } from '../../src/index.js';
import { instrument, spanEventNames } from '../../src/otel/index.js';
import { createManualClock, type ManualClock } from '../helpers/manual-clock.js';
import { AsyncContextManager } from './async-context-manager.js';
import { createScriptedFetch } from './fake-origins.js';
import { createMetricsHarness } from './metrics-harness.js';

const API = 'https://api.example.com';
const PAY = 'https://pay.example.com';
const origin = (value: string) => ({ 'breakerbox.origin': value });

describe('instrument() span events', () => {
  const spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('checkout-service');
  let clock: ManualClock;
  let harness: ReturnType<typeof createMetricsHarness>;
  let box: BreakerBox;
  let origins: ReturnType<typeof createScriptedFetch>;
  let fetch: ReturnType<typeof createFetch>;
  let stop: () => void;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncContextManager());
  });
  afterAll(() => {
    context.disable();
  });

  beforeEach(() => {
    spans.reset();
    clock = createManualClock();
    harness = createMetricsHarness();
    box = createBreakerBox({
      clock,
      breaker: { failureThreshold: 2, openDuration: 1_000 },
      fallback: { cache: true },
      hosts: { [PAY]: { fallback: { value: { status: 202, body: { queued: true } } } } },
    });
    origins = createScriptedFetch(clock);
    fetch = createFetch(box, { fetch: origins.fetch });
    stop = instrument(box, { meterProvider: harness.meterProvider });
  });

  afterEach(async () => {
    stop();
    await harness.shutdown();
  });

  /** Runs `work` inside a span, and returns that span's events once it ended. */
  async function inSpan(work: () => Promise<unknown>) {
    const span = tracer.startSpan('GET /checkout');
    await context.with(trace.setSpan(context.active(), span), work);
    span.end();
    const finished = spans.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
    return finished.events.map(({ name, attributes }) => ({ name, attributes }));
  }

  async function openBreaker(target: string): Promise<void> {
    origins.set(target, 503);
    for (let i = 0; i < 2; i++) await fetch(`${target}/charge`);
    expect(box.state(target)).toBe('open');
  }

  it('adds rejected and fallback events, with origin, state and source, to a refused request answered by a value', async () => {
    await openBreaker(PAY);
    const events = await inSpan(async () => {
      expect((await fetch(`${PAY}/charge?card=4242`)).status).toBe(202);
    });
    expect(events).toEqual([
      { name: spanEventNames.rejected, attributes: { ...origin(PAY), 'breakerbox.state': 'open' } },
      { name: spanEventNames.fallback, attributes: { ...origin(PAY), 'breakerbox.fallback.source': 'value', 'breakerbox.fallback.reason': 'open' } },
    ]);
  });

  it('names the cache as the source when the last good response answers', async () => {
    origins.set(API, 200);
    await (await fetch(`${API}/cart`)).text();
    await new Promise((resolve) => setImmediate(resolve)); // the cache stores its copy in the background
    await openBreaker(API);
    const events = await inSpan(async () => {
      expect((await fetch(`${API}/cart`)).headers.get('x-breakerbox-fallback')).toBe('cache');
    });
    expect(events.map((e) => [e.name, e.attributes?.['breakerbox.fallback.source'] ?? e.attributes?.['breakerbox.state']])).toEqual([
      [spanEventNames.rejected, 'open'],
      [spanEventNames.fallback, 'cache'],
    ]);
  });

  it('adds only the rejected event when the refusal ends in CircuitOpenError', async () => {
    await openBreaker(API);
    const events = await inSpan(async () => {
      await expect(fetch(`${API}/never-cached`)).rejects.toSatisfy(isCircuitOpenError);
    });
    expect(events).toEqual([{ name: spanEventNames.rejected, attributes: { ...origin(API), 'breakerbox.state': 'open' } }]);
  });

  it('adds the state change to the span of the request whose failure opened the breaker', async () => {
    origins.set(API, 503);
    await fetch(`${API}/a`);
    const events = await inSpan(() => fetch(`${API}/b`));
    expect(events).toEqual([
      {
        name: spanEventNames.stateChange,
        attributes: { ...origin(API), 'breakerbox.state.from': 'closed', 'breakerbox.state.to': 'open', 'breakerbox.transition.cause': 'failures' },
      },
    ]);
  });

  it('uses the mapped label in span events too', async () => {
    stop();
    stop = instrument(box, { meterProvider: harness.meterProvider, origin: () => 'payments' });
    await openBreaker(PAY);
    const events = await inSpan(() => fetch(`${PAY}/charge`));
    expect(events.map((e) => e.attributes?.['breakerbox.origin'])).toEqual(['payments', 'payments']);
  });

  it('adds nothing and fails nothing when no span is active', async () => {
    await openBreaker(PAY);
    expect((await fetch(`${PAY}/charge`)).status).toBe(202);
    expect(spans.getFinishedSpans()).toEqual([]);
    expect((await harness.collect()).sum('breakerbox.rejections')).toBe(1);
  });
});

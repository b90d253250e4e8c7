import { readFileSync } from 'node:fs';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox } from '../../src/index.js';
import { instrument } from '../../src/otel/index.js';
import { createManualClock } from '../helpers/manual-clock.js';
import { createScriptedFetch } from './fake-origins.js';
import { createEventSource } from './retrying-box.js';

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: { expr: string; legendFormat: string }[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../examples/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: Panel[]; templating: { list: { definition: string }[] } };
const queries = [...dashboard.panels.flatMap((panel) => panel.targets.map((t) => `${t.expr} ${t.legendFormat}`)), ...dashboard.templating.list.map((v) => v.definition)];

describe('examples/grafana-dashboard.json', () => {
  let scrape: string;
  const stops: (() => void)[] = [];
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });

  // What @opentelemetry/exporter-prometheus serves after an outage, a refusal, a probe and a retry.
  beforeAll(async () => {
    const clock = createManualClock();
    const box = createBreakerBox({ clock, breaker: { failureThreshold: 1, openDuration: 100 }, fallback: { value: { body: 'later' } } });
    const origins = createScriptedFetch(clock);
    const fetch = createFetch(box, { fetch: origins.fetch });
    stops.push(instrument(box, { meterProvider }));
    origins.set('https://api.example.com', 503);
    await fetch('https://api.example.com/');
    await fetch('https://api.example.com/');
    const retrying = createEventSource();
    stops.push(instrument(retrying.box, { meterProvider }));
    retrying.emit('retry', { origin: 'https://api.example.com', method: 'GET', url: 'https://api.example.com/', attempt: 2, delay: 100 });
    const { resourceMetrics } = await reader.collect();
    scrape = new PrometheusSerializer().serialize(resourceMetrics);
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    await meterProvider.shutdown();
  });

  it('uses only metric and label names the Prometheus exporter produces', () => {
    const samples = scrape.split('\n').filter((line) => line.startsWith('breakerbox_'));
    const metricNames = new Set(samples.map((line) => line.split('{')[0]));
    const labelNames = new Set(samples.flatMap((line) => [...line.matchAll(/[{,](\w+)="/g)].map((m) => m[1]!)));
    const used = new Set(queries.flatMap((query) => [...query.matchAll(/\bbreakerbox_\w+/g)].map((m) => m[0])));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !metricNames.has(name) && !labelNames.has(name))).toEqual([]);
    expect([...metricNames].sort()).toEqual([
      'breakerbox_attempt_duration_bucket',
      'breakerbox_attempt_duration_count',
      'breakerbox_attempt_duration_sum',
      'breakerbox_fallbacks_total',
      'breakerbox_rejections_total',
      'breakerbox_requests_total',
      'breakerbox_retries_total',
      'breakerbox_state',
      'breakerbox_transitions_total',
    ]);
  });

  it('matches label values that the exporter really writes', () => {
    const matchers = new Set(queries.flatMap((query) => [...query.matchAll(/(breakerbox_\w+)!?="([^"$]+)"/g)].map((m) => `${m[1]}="${m[2]}"`)));
    expect([...matchers].sort()).toEqual(['breakerbox_state_to="open"', 'breakerbox_verdict="failure"', 'breakerbox_verdict="ignore"']);
    for (const matcher of matchers) {
      if (matcher !== 'breakerbox_verdict="ignore"') expect(scrape).toContain(matcher); // no attempt here was ignored
    }
  });

  it('reads every panel from the data source chosen at import', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) expect(expr, panel.title).toContain('breakerbox_origin=~"$origin"');
    }
  });
});

/**
 * `npm run demo -- --otel`: breakerbox/otel on an OpenTelemetry SDK MeterProvider, read
 * back through a metric reader the way an exporter would, and rendered as a few lines of
 * text for the demo's table. Loaded by demo/otel.ts.
 */
import { DataPointType, MeterProvider, MetricReader, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { BreakerBox } from 'breakerbox';
import { instrument, metricNames, type InstrumentOptions } from 'breakerbox/otel';

/** A reader collected on demand, like a Prometheus scrape: no export timer. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** What {@link startOtelSummary} returns. */
export interface OtelSummary {
  /** The metrics of the last collection, as text; also starts the next collection, so each frame shows fresh numbers. */
  render(): string;
  /** Collects now; `await` it before a final `render()` so the numbers include the last request. */
  refresh(): Promise<void>;
  /** Stops instrumenting the box and shuts the MeterProvider down. */
  stop(): void;
}

const STATE_NAMES = ['closed', 'half-open', 'open', 'isolated'];

/**
 * Instruments `box` on its own SDK MeterProvider and renders what a collection reports.
 * `options.origin` names the origins in the text (and in the metrics), e.g. `catalog`.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 * import { startOtelSummary } from './otel-summary.js';
 *
 * const box = createBreakerBox();
 * const otel = startOtelSummary(box);
 * // ... traffic ...
 * await otel.refresh();
 * console.log(otel.render());
 * otel.stop();
 * ```
 */
export function startOtelSummary(box: BreakerBox, options: Pick<InstrumentOptions, 'origin'> = {}): OtelSummary {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const stopInstrumenting = instrument(box, { meterProvider, ...(options.origin ? { origin: options.origin } : {}) });
  let text = '(collecting...)';
  let pending: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (pending ??= reader
      .collect()
      .then(({ resourceMetrics }) => {
        text = summarize(resourceMetrics);
      })
      .catch((error: unknown) => {
        text = `(collection failed: ${(error as Error).message})`;
      })
      .finally(() => {
        pending = undefined;
      }));

  void refresh();
  return {
    render() {
      void refresh();
      return text;
    },
    refresh,
    stop() {
      stopInstrumenting();
      void meterProvider.shutdown();
    },
  };
}

/** One line per instrument: its totals per origin, split by the attribute that matters most. */
function summarize(resourceMetrics: ResourceMetrics): string {
  const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  const find = (name: string): MetricData | undefined => metrics.find((metric) => metric.descriptor.name === name);
  const lines = [
    line(metricNames.requests, bySplit(find(metricNames.requests), 'breakerbox.verdict')),
    line(metricNames.rejections, bySplit(find(metricNames.rejections), 'breakerbox.state')),
    line(metricNames.fallbacks, bySplit(find(metricNames.fallbacks), 'breakerbox.fallback.source')),
    line(metricNames.transitions, bySplit(find(metricNames.transitions), 'breakerbox.state.to', 'to ')),
    line(metricNames.retries, bySplit(find(metricNames.retries))),
    line(metricNames.attemptDuration, durations(find(metricNames.attemptDuration))),
    line(metricNames.state, states(find(metricNames.state))),
  ];
  return lines.join('\n');
}

function line(name: string, value: string): string {
  return `${name.padEnd(28)} ${value || '-'}`;
}

/** `inventory: 40 success, 25 failure · catalog: 120 success` for a counter. */
function bySplit(metric: MetricData | undefined, key?: string, prefix = ''): string {
  if (metric === undefined || metric.dataPointType !== DataPointType.SUM) return '';
  const totals = new Map<string, Map<string, number>>();
  for (const point of metric.dataPoints) {
    const origin = String(point.attributes['breakerbox.origin']);
    const split = key === undefined ? '' : `${prefix}${String(point.attributes[key])}`;
    const byOrigin = totals.get(origin) ?? new Map<string, number>();
    byOrigin.set(split, (byOrigin.get(split) ?? 0) + point.value);
    totals.set(origin, byOrigin);
  }
  return [...totals]
    .map(([origin, splits]) => `${origin}: ${[...splits].map(([split, value]) => (split ? `${value} ${split}` : String(value))).join(', ')}`)
    .join(' · ');
}

/** `catalog: 120 attempts, mean 3 ms, max 12 ms` from the histogram. */
function durations(metric: MetricData | undefined): string {
  if (metric === undefined || metric.dataPointType !== DataPointType.HISTOGRAM) return '';
  const totals = new Map<string, { count: number; sum: number; max: number }>();
  for (const { attributes, value } of metric.dataPoints) {
    const origin = String(attributes['breakerbox.origin']);
    const total = totals.get(origin) ?? { count: 0, sum: 0, max: 0 };
    total.count += value.count;
    total.sum += value.sum ?? 0;
    total.max = Math.max(total.max, value.max ?? 0);
    totals.set(origin, total);
  }
  const ms = (s: number) => `${Math.round(s * 1000)} ms`;
  return [...totals].map(([origin, t]) => `${origin}: ${t.count} attempts, mean ${ms(t.sum / Math.max(1, t.count))}, max ${ms(t.max)}`).join(' · ');
}

/** `catalog 0 (closed) · inventory 2 (open)` from the gauge. */
function states(metric: MetricData | undefined): string {
  if (metric === undefined || metric.dataPointType !== DataPointType.GAUGE) return '';
  return metric.dataPoints.map(({ attributes, value }) => `${String(attributes['breakerbox.origin'])} ${value} (${STATE_NAMES[value] ?? '?'})`).join(' · ');
}

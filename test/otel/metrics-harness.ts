import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

/** A reader the test collects from by hand: no export timer, nothing left running. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** What one collection saw, with lookups by metric name and attributes. */
export class Collected {
  readonly #metrics: MetricData[];

  constructor(resourceMetrics: ResourceMetrics) {
    this.#metrics = resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === 'breakerbox').flatMap((scope) => scope.metrics);
  }

  names(): string[] {
    return this.#metrics.map((metric) => metric.descriptor.name).sort();
  }

  metric(name: string): MetricData | undefined {
    return this.#metrics.find((metric) => metric.descriptor.name === name);
  }

  /** Every point of a metric, as `{ attributes, value }` (a histogram's value is its summary). */
  points(name: string): { attributes: Attributes; value: unknown }[] {
    const metric = this.metric(name);
    if (metric === undefined) return [];
    return (metric.dataPoints as DataPoint<unknown>[]).map(({ attributes, value }) => ({ attributes, value }));
  }

  /** The sum of a counter's points whose attributes include `where`. */
  sum(name: string, where: Attributes = {}): number {
    return this.points(name)
      .filter((point) => matches(point.attributes, where))
      .reduce((total, point) => total + (point.value as number), 0);
  }

  /** The histogram points whose attributes include `where`. */
  histograms(name: string, where: Attributes = {}): Histogram[] {
    const metric = this.metric(name);
    if (metric === undefined) return [];
    if (metric.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
    return metric.dataPoints.filter((point) => matches(point.attributes, where)).map((point) => point.value);
  }

  /** The gauge's value per `breakerbox.origin`. */
  gauge(name: string): Record<string, number> {
    return Object.fromEntries(this.points(name).map((point) => [point.attributes['breakerbox.origin'], point.value]));
  }
}

function matches(attributes: Attributes, where: Attributes): boolean {
  return Object.entries(where).every(([key, value]) => attributes[key] === value);
}

/** An SDK MeterProvider with a manual reader. */
export function createMetricsHarness(temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE, cardinalityLimit?: number) {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => temporality, ...(cardinalityLimit ? { cardinalitySelector: () => cardinalityLimit } : {}) });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async collect(): Promise<Collected> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'the collection reported errors');
      return new Collected(resourceMetrics);
    },
    shutdown: () => meterProvider.shutdown(),
  };
}

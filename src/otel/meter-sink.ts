import type { BatchObservableResult, Histogram, Meter, MeterProvider, Observable, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import type { BreakerBox } from '../core/types.js';
import { metricNames, stateValues } from './names.js';
import { OriginTally } from './origin-tally.js';

/** A box being instrumented, and how it names its origins. */
export interface Attachment {
  readonly box: BreakerBox;
  /** The tally of an origin's label (throws when the user's mapping returns no string). */
  tallyOf(origin: string): OriginTally;
}

/**
 * Bucket boundaries in seconds: OpenTelemetry's for `http.client.request.duration`, so
 * breakerbox's attempts and the HTTP client's own spans line up on one dashboard.
 */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The instruments of one MeterProvider and the totals behind them, shared by every box
 * instrumented on it. Shared, because the counters are observable: each collection
 * reports a cumulative total per attribute set, and two boxes reporting the same origin
 * separately would overwrite each other instead of adding up.
 */
export class MeterSink {
  readonly histogram: Histogram;
  readonly #meter: Meter;
  readonly #requests: ObservableCounter;
  readonly #rejections: ObservableCounter;
  readonly #fallbacks: ObservableCounter;
  readonly #retries: ObservableCounter;
  readonly #transitions: ObservableCounter;
  readonly #state: ObservableGauge;
  readonly #observables: Observable[];
  readonly #tallies = new Map<string, OriginTally>();
  readonly #attached = new Set<Attachment>();
  readonly #callback = (result: BatchObservableResult): void => this.#collect(result);

  constructor(provider: MeterProvider) {
    const meter = (this.#meter = provider.getMeter('breakerbox'));
    const counter = (name: string, description: string, unit: string) => meter.createObservableCounter(name, { description, unit });
    this.#requests = counter(metricNames.requests, 'Attempts that went out, by how the classifier judged them.', '{attempt}');
    this.#rejections = counter(metricNames.rejections, 'Requests refused by an open, half-open or isolated breaker; none of them was sent.', '{request}');
    this.#fallbacks = counter(metricNames.fallbacks, 'Fallback responses served instead of the origin’s answer or an error.', '{response}');
    this.#retries = counter(metricNames.retries, 'Failed attempts scheduled to be tried again.', '{retry}');
    this.#transitions = counter(metricNames.transitions, 'Breaker state changes.', '{transition}');
    this.#state = meter.createObservableGauge(metricNames.state, { description: 'Breaker state: 0 closed, 1 half-open, 2 open, 3 isolated.', unit: '1' });
    this.histogram = meter.createHistogram(metricNames.attemptDuration, {
      description: 'Duration of each attempt that went out, until its outcome was recorded.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.#observables = [this.#requests, this.#rejections, this.#fallbacks, this.#retries, this.#transitions, this.#state];
  }

  /**
   * The totals of a label, created on first use and kept: counters are cumulative. Past
   * {@link MAX_LABELS} labels, new ones share the `_other` label, so a process that talks
   * to ever new hosts (webhooks to customers' servers) keeps bounded memory and series.
   */
  tally(label: string): OriginTally {
    let tally = this.#tallies.get(label);
    if (tally === undefined) {
      if (this.#tallies.size >= MAX_LABELS && label !== OVERFLOW_LABEL) return this.tally(OVERFLOW_LABEL);
      this.#tallies.set(label, (tally = new OriginTally(label)));
    }
    return tally;
  }

  has(box: BreakerBox): boolean {
    for (const attachment of this.#attached) if (attachment.box === box) return true;
    return false;
  }

  attach(attachment: Attachment): void {
    if (this.#attached.size === 0) this.#meter.addBatchObservableCallback(this.#callback, this.#observables);
    this.#attached.add(attachment);
  }

  detach(attachment: Attachment): void {
    if (!this.#attached.delete(attachment)) return;
    if (this.#attached.size === 0) this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
  }

  #collect(result: BatchObservableResult): void {
    for (const tally of this.#tallies.values()) {
      for (const byKind of tally.requests.values()) for (const point of byKind.values()) result.observe(this.#requests, point.value, point.attributes);
      for (const point of tally.rejections.values()) result.observe(this.#rejections, point.value, point.attributes);
      for (const point of tally.fallbacks.values()) result.observe(this.#fallbacks, point.value, point.attributes);
      for (const point of tally.transitions.values()) result.observe(this.#transitions, point.value, point.attributes);
      if (tally.retries.value > 0) result.observe(this.#retries, tally.retries.value, tally.retries.attributes);
    }
    // Origins grouped under one label (or known to two boxes) show the worst state among them.
    const worst = new Map<OriginTally, number>();
    for (const { box, tallyOf } of this.#attached) {
      for (const { origin, state } of box.snapshot()) {
        let tally: OriginTally;
        try {
          tally = tallyOf(origin);
        } catch {
          continue; // A mapping that fails was already reported by the event listener that met the origin first.
        }
        worst.set(tally, Math.max(worst.get(tally) ?? 0, stateValues[state]));
      }
    }
    for (const [tally, value] of worst) result.observe(this.#state, value, tally.attributes);
  }
}

/**
 * Labels kept per MeterProvider before new ones are counted as {@link OVERFLOW_LABEL}: the
 * SDK's own default cardinality limit, past which it would merge them anyway.
 */
export const MAX_LABELS = 2000;
/** The label of every origin past {@link MAX_LABELS}. */
export const OVERFLOW_LABEL = '_other';

const sinks = new WeakMap<MeterProvider, MeterSink>();

/** The one sink of a MeterProvider. */
export function sinkFor(provider: MeterProvider): MeterSink {
  let sink = sinks.get(provider);
  if (sink === undefined) sinks.set(provider, (sink = new MeterSink(provider)));
  return sink;
}

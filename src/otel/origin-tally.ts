import type { Attributes } from '@opentelemetry/api';
import { attributeNames } from './names.js';

/** One series of a counter: its attributes, built once, and its running total. */
export interface CounterPoint {
  readonly attributes: Attributes;
  value: number;
}

/**
 * The running totals of one `breakerbox.origin` label. Events only add to numbers here;
 * the collection callback reads them. That keeps the OpenTelemetry SDK (about 1 µs per
 * `add()` with attributes, for hashing them) off the request path.
 */
export class OriginTally {
  readonly label: string;
  /** `{ 'breakerbox.origin': label }`, for the gauge and the retries counter. */
  readonly attributes: Attributes;
  /** `breakerbox.requests`, by verdict, then outcome kind. */
  readonly requests = new Map<string, Map<string, CounterPoint>>();
  /** The histogram's attributes, by verdict. */
  readonly durationAttributes = new Map<string, Attributes>();
  readonly rejections = new Map<string, CounterPoint>();
  readonly fallbacks = new Map<string, CounterPoint>();
  readonly transitions = new Map<string, CounterPoint>();
  readonly retries: CounterPoint;

  constructor(label: string) {
    this.label = label;
    this.attributes = { [attributeNames.origin]: label };
    this.retries = { attributes: this.attributes, value: 0 };
  }

  request(verdict: string, kind: string): CounterPoint {
    let byKind = this.requests.get(verdict);
    if (byKind === undefined) this.requests.set(verdict, (byKind = new Map()));
    let point = byKind.get(kind);
    if (point === undefined) {
      point = { attributes: { ...this.attributes, [attributeNames.verdict]: verdict, [attributeNames.outcome]: kind }, value: 0 };
      byKind.set(kind, point);
    }
    return point;
  }

  /**
   * The histogram carries origin and verdict, not the outcome kind: each attribute the SDK
   * hashes costs about 0.4 µs per recorded attempt, and the counter already splits by kind.
   */
  duration(verdict: string): Attributes {
    let attributes = this.durationAttributes.get(verdict);
    if (attributes === undefined) this.durationAttributes.set(verdict, (attributes = { ...this.attributes, [attributeNames.verdict]: verdict }));
    return attributes;
  }

  rejection(state: string): CounterPoint {
    return pointIn(this.rejections, state, () => ({ ...this.attributes, [attributeNames.state]: state }));
  }

  fallback(source: string, reason: string): CounterPoint {
    return pointIn(this.fallbacks, `${source} ${reason}`, () => ({ ...this.attributes, [attributeNames.fallbackSource]: source, [attributeNames.fallbackReason]: reason }));
  }

  transition(from: string, to: string, cause: string | undefined): CounterPoint {
    return pointIn(this.transitions, `${from} ${to} ${cause}`, () => {
      const attributes: Attributes = { ...this.attributes, [attributeNames.from]: from, [attributeNames.to]: to };
      if (cause !== undefined) attributes[attributeNames.cause] = cause;
      return attributes;
    });
  }
}

function pointIn(points: Map<string, CounterPoint>, key: string, attributes: () => Attributes): CounterPoint {
  let point = points.get(key);
  if (point === undefined) points.set(key, (point = { attributes: attributes(), value: 0 }));
  return point;
}

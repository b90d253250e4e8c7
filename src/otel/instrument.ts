import { metrics } from '@opentelemetry/api';
import type { BreakerBox, BreakerBoxEventName, BreakerBoxEvents } from '../core/types.js';
import { attributeNames } from './names.js';
import { sinkFor, type Attachment } from './meter-sink.js';
import { describe, validateInstrumentOptions, type InstrumentOptions } from './options.js';
import type { OriginTally } from './origin-tally.js';
import { addSpanEvent, spanEventNames } from './span-events.js';

/** Origins remembered per box before the cache of their labels starts over (bounded, like the box's registry). */
const MAX_CACHED_ORIGINS = 10_000;

/**
 * Reports a box's activity through OpenTelemetry: counters of attempts, refusals,
 * fallbacks, retries and state changes, a histogram of attempt durations in seconds, and
 * a gauge of each origin's state (see `metricNames` and the README's "Observability").
 * Every point carries `breakerbox.origin`; when a span is active, a refused request, a
 * fallback, a retry and a state change also add an event to it.
 *
 * Events only add to numbers; the counters and the gauge are read when the reader
 * collects. Returns `stop()`, which removes every listener and the collection callback;
 * calling it again does nothing.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 * import { createFetch } from 'breakerbox/fetch';
 * import { instrument } from 'breakerbox/otel';
 *
 * const box = createBreakerBox();
 * const stop = instrument(box); // the global MeterProvider: register your SDK first
 * const resilientFetch = createFetch(box);
 * // ... on shutdown:
 * stop();
 * ```
 */
export function instrument(box: BreakerBox, options?: InstrumentOptions): () => void {
  if (typeof box !== 'object' || box === null || typeof box.on !== 'function' || typeof box.snapshot !== 'function') {
    throw new TypeError(`instrument expects a box from createBreakerBox() as its first argument, got ${describe(box)}`);
  }
  const { meterProvider = metrics.getMeterProvider(), origin: mapOrigin } = validateInstrumentOptions(options);
  const sink = sinkFor(meterProvider);
  if (sink.has(box)) {
    throw new Error('Failed to instrument the box: it is already instrumented on this MeterProvider, so every event would count twice. Please call the stop() that instrument() returned first.');
  }
  const { histogram } = sink;

  // The label of each origin, computed once. The last one is kept apart: most traffic goes to one origin at a time.
  const tallies = new Map<string, OriginTally>();
  let lastOrigin: string | undefined;
  let lastTally: OriginTally | undefined;
  const tallyOf = (origin: string): OriginTally => {
    if (origin === lastOrigin) return lastTally!;
    let tally = tallies.get(origin);
    if (tally === undefined) {
      const label = mapOrigin === undefined ? origin : mapOrigin(origin);
      if (typeof label !== 'string') throw new TypeError(`instrument options.origin must return a string, got ${describe(label)} for ${origin}`);
      if (tallies.size >= MAX_CACHED_ORIGINS) tallies.clear();
      tallies.set(origin, (tally = sink.tally(label)));
    }
    lastOrigin = origin;
    lastTally = tally;
    return tally;
  };
  const attachment: Attachment = { box, tallyOf };

  const listeners: Partial<{ [E in BreakerBoxEventName]: (payload: BreakerBoxEvents[E]) => void }> = {
    outcome({ origin, verdict, outcome, duration }) {
      const tally = tallyOf(origin);
      tally.request(verdict, outcome.kind).value++;
      // A wall clock stepped back (NTP) gives a negative duration, which the SDK would drop, leaving the histogram short of an attempt.
      histogram.record(duration > 0 ? duration / 1000 : 0, tally.duration(verdict));
    },
    rejected({ origin, state }) {
      const point = tallyOf(origin).rejection(state);
      point.value++;
      addSpanEvent(spanEventNames.rejected, point.attributes);
    },
    fallback({ origin, source, reason }) {
      const point = tallyOf(origin).fallback(source, reason);
      point.value++;
      addSpanEvent(spanEventNames.fallback, point.attributes);
    },
    retry({ origin, attempt, delay }) {
      const tally = tallyOf(origin);
      tally.retries.value++;
      addSpanEvent(spanEventNames.retry, { ...tally.attributes, [attributeNames.attempt]: attempt, [attributeNames.delay]: delay });
    },
    stateChange({ origin, from, to, cause }) {
      const point = tallyOf(origin).transition(from, to, cause);
      point.value++;
      addSpanEvent(spanEventNames.stateChange, point.attributes);
    },
  };
  const unsubscribers: (() => void)[] = [];
  for (const [event, listener] of Object.entries(listeners)) {
    try {
      unsubscribers.push(box.on(event as BreakerBoxEventName, listener as never));
    } catch (error) {
      // A box from a copy of breakerbox older than 0.2 (two copies in one app) has no 'retry' event, and makes no retries to count.
      if (event === 'retry') continue;
      for (const unsubscribe of unsubscribers) unsubscribe();
      throw error;
    }
  }
  sink.attach(attachment);

  let stopped = false;
  return function stop(): void {
    if (stopped) return;
    stopped = true;
    for (const unsubscribe of unsubscribers) unsubscribe();
    sink.detach(attachment);
  };
}

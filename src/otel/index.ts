/**
 * `breakerbox/otel`: OpenTelemetry metrics and span events for a box. Imports only
 * `@opentelemetry/api` (an optional peer dependency); bring your own SDK and exporter.
 * @packageDocumentation
 */
export { instrument } from './instrument.js';
export { attributeNames, metricNames, stateValues } from './names.js';
export { spanEventNames } from './span-events.js';
export type { InstrumentOptions } from './options.js';

import type { BreakerBox } from 'breakerbox';
import type { OtelSummary } from './otel-summary.js';

/**
 * `npm run demo -- --otel`: starts demo/otel-summary.ts (breakerbox/otel on an SDK
 * MeterProvider, read back as text) on `box`, naming origins as the table does. Imported
 * only with `--otel`, so a plain run never loads the OpenTelemetry SDK.
 * @example
 * ```ts
 * const otel = process.argv.includes('--otel') ? await loadOtelSummary(box, names) : undefined;
 * ```
 */
export async function loadOtelSummary(box: BreakerBox, names: ReadonlyMap<string, string>): Promise<OtelSummary> {
  const { startOtelSummary } = await import('./otel-summary.js');
  return startOtelSummary(box, { origin: (origin) => names.get(origin) ?? origin });
}

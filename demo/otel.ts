import type { BreakerBox } from 'breakerbox';

/** What demo/otel-summary.ts provides: the box's OpenTelemetry metrics, read back as text. */
export interface OtelSummary {
  /** The current metrics, a few lines of text. */
  render(): string;
  stop(): void;
}

/**
 * `npm run demo -- --otel`: loads demo/otel-summary.ts (breakerbox/otel on an SDK
 * MeterProvider, written with the OTel work) and starts it on `box`. The path is built at
 * run time so the demo type-checks and runs before that file exists; without it, or with
 * a different export, this says so and the demo runs without the OTel panel.
 * @example
 * ```ts
 * const otel = process.argv.includes('--otel') ? await loadOtelSummary(box) : undefined;
 * ```
 */
export async function loadOtelSummary(box: BreakerBox): Promise<OtelSummary | undefined> {
  const file = './otel-summary.js';
  let module: { startOtelSummary?: unknown };
  try {
    module = (await import(file)) as { startOtelSummary?: unknown };
  } catch (error) {
    console.error(`--otel: failed to load demo/otel-summary.ts (${(error as Error).message}); running without the OpenTelemetry panel.`);
    return undefined;
  }
  if (typeof module.startOtelSummary !== 'function') {
    console.error('--otel: demo/otel-summary.ts exports no startOtelSummary(box) function; running without the OpenTelemetry panel.');
    return undefined;
  }
  return (module.startOtelSummary as (box: BreakerBox) => OtelSummary)(box);
}

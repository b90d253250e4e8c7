import type { MeterProvider } from '@opentelemetry/api';

/**
 * Options of {@link instrument}.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { createBreakerBox } from 'breakerbox';
 * import { instrument } from 'breakerbox/otel';
 *
 * const box = createBreakerBox();
 * const stop = instrument(box, {
 *   meterProvider: metrics.getMeterProvider(),
 *   // One label for every tenant host: `https://acme.shop.example.com` → `*.shop.example.com`.
 *   origin: (origin) => origin.replace(/^https?:\/\/[^.]+\.shop\.example\.com(:\d+)?$/, '*.shop.example.com'),
 * });
 * stop();
 * ```
 */
export interface InstrumentOptions {
  /**
   * Where the instruments are created (a meter named `breakerbox`).
   * @default metrics.getMeterProvider() from `@opentelemetry/api` (the global one)
   */
  meterProvider?: MeterProvider | undefined;
  /**
   * Maps an origin (`scheme://host:port`, never a path or query) to the value of the
   * `breakerbox.origin` attribute: to redact hosts, or to group many into one series.
   * Called once per origin; it must return a string. Origins that map to one label share
   * their counters, and the state gauge shows the worst state among them.
   * @default the origin itself
   */
  origin?: ((origin: string) => string) | undefined;
}

/** The options after validation. */
export interface ResolvedInstrumentOptions {
  meterProvider: MeterProvider | undefined;
  origin: ((origin: string) => string) | undefined;
}

/** Checks the options the way `createBreakerBox` does: a TypeError naming the option and the value received. */
export function validateInstrumentOptions(options: unknown): ResolvedInstrumentOptions {
  if (options === undefined) return { meterProvider: undefined, origin: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`instrument options must be an object, got ${describe(options)}`);
  }
  const { meterProvider, origin } = options as InstrumentOptions;
  if (meterProvider !== undefined && (typeof meterProvider !== 'object' || meterProvider === null || typeof meterProvider.getMeter !== 'function')) {
    throw new TypeError(`instrument options.meterProvider must be a MeterProvider (an object with getMeter()), got ${describe(meterProvider)}`);
  }
  if (origin !== undefined && typeof origin !== 'function') {
    throw new TypeError(`instrument options.origin must be a function from origin to label, got ${describe(origin)}`);
  }
  return { meterProvider, origin };
}

/** A short description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}

import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expectTypeOf, it } from 'vitest';
import { createBreakerBox, type BreakerBox, type CircuitState } from '../../src/index.js';
import { attributeNames, instrument, metricNames, spanEventNames, stateValues, type InstrumentOptions } from '../../src/otel/index.js';

// Checked by `tsc --noEmit` (npm run typecheck): a wrong call below is a compile error.
describe('breakerbox/otel public types', () => {
  it('takes a box and optional options, and returns stop()', () => {
    expectTypeOf(instrument).parameter(0).toEqualTypeOf<BreakerBox>();
    expectTypeOf(instrument).parameter(1).toEqualTypeOf<InstrumentOptions | undefined>();
    expectTypeOf(instrument).returns.toEqualTypeOf<() => void>();
    expectTypeOf<InstrumentOptions['origin']>().toEqualTypeOf<((origin: string) => string) | undefined>();
    // The SDK's MeterProvider is an API MeterProvider.
    expectTypeOf(new MeterProvider()).toMatchTypeOf<NonNullable<InstrumentOptions['meterProvider']>>();
  });

  it('refuses what is not a box or a mapping to a string', () => {
    const box = createBreakerBox();
    // @ts-expect-error a string is not a box
    expectTypeOf(instrument).toBeCallableWith('https://api.example.com');
    // @ts-expect-error the mapping returns the label, a string
    expectTypeOf(instrument).toBeCallableWith(box, { origin: (origin: string) => origin.length });
    expectTypeOf(instrument).toBeCallableWith(box, { origin: (origin: string) => new URL(origin).hostname });
  });

  it('exports the names as literal types', () => {
    expectTypeOf(metricNames.requests).toEqualTypeOf<'breakerbox.requests'>();
    expectTypeOf(attributeNames.origin).toEqualTypeOf<'breakerbox.origin'>();
    expectTypeOf(spanEventNames.rejected).toEqualTypeOf<'breakerbox.rejected'>();
    expectTypeOf(stateValues).toEqualTypeOf<Readonly<Record<CircuitState, number>>>();
  });
});

import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFetch } from '../../src/adapters/fetch/index.js';
import { createBreakerBox, findBreakerBoxError, isCircuitOpenError, type BreakerBoxOptions } from '../../src/index.js';
import { startImitation, timed, tripThroughSdk, type ImitationServer } from './imitation-server.js';

/**
 * The stripe recipe: `Stripe.createFetchHttpClient(createFetch(box))` and `onRefusal: 'respond'`.
 * stripe-node's retries (maxNetworkRetries, 2 by default) stay on for real failures; a
 * refusal is a 503 with `stripe-should-retry: false`, which stripe-node obeys, so it stops at once.
 */
let server: ImitationServer;
const customer = { id: 'cus_123', object: 'customer', email: 'jenny@example.com', livemode: false };
beforeAll(async () => {
  server = await startImitation(
    ({ method, url, body }) => {
      if (method === 'GET' && url.pathname === '/v1/customers/cus_123') return { json: customer };
      if (method === 'POST' && url.pathname === '/v1/customers') {
        return { json: { ...customer, id: 'cus_new', email: new URLSearchParams(body).get('email') } };
      }
      return undefined;
    },
    { status: 500, json: { error: { type: 'api_error', message: 'An unknown error occurred' } } },
  );
});
afterAll(() => server.close());
afterEach(() => server.setHealth('healthy'));

function stripeThrough(options: BreakerBoxOptions, config: { timeout?: number; maxNetworkRetries?: number } = {}) {
  const box = createBreakerBox({ breaker: { failureThreshold: 2, openDuration: 30_000 }, ...options });
  const { port } = new URL(server.origin);
  const stripe = new Stripe('sk_test_123', {
    host: '127.0.0.1',
    port: Number(port),
    protocol: 'http',
    httpClient: Stripe.createFetchHttpClient(createFetch(box)),
    telemetry: false,
    ...config,
  });
  return { box, stripe };
}

describe('stripe through breakerbox (onRefusal: respond)', () => {
  it('answers healthy calls unchanged (GET and POST)', async () => {
    const { box, stripe } = stripeThrough({ onRefusal: 'respond' });
    expect(await stripe.customers.retrieve('cus_123')).toMatchObject({ id: 'cus_123', email: 'jenny@example.com' });
    expect(await stripe.customers.create({ email: 'new@example.com' })).toMatchObject({ id: 'cus_new', email: 'new@example.com' });
    expect(box.snapshot()[0]).toMatchObject({ state: 'closed', successes: 2, failures: 0 });
  });

  it('once open, a call ends in under 100 ms with nothing sent, as a StripeAPIError 503 of type circuit_open', async () => {
    const { box, stripe } = stripeThrough({ onRefusal: 'respond' });
    await tripThroughSdk(box, server, () => stripe.customers.retrieve('cus_123'));
    const sent = server.hits();

    const call = await timed(() => stripe.customers.create({ email: 'new@example.com' }));

    expect(call.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect(call.error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    const error = call.error as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(503);
    expect(error.rawType).toBe('circuit_open');
    expect(error.headers?.['x-breakerbox-fallback']).toBe('refused');
  });

  it('without the recipe, stripe wraps CircuitOpenError in StripeConnectionError.detail (findBreakerBoxError finds it)', async () => {
    // maxNetworkRetries: 0 only to keep this test short; the default 2 sleeps ≥ 0.5 s twice into refusals.
    const { box, stripe } = stripeThrough({}, { maxNetworkRetries: 0 });
    await tripThroughSdk(box, server, () => stripe.customers.retrieve('cus_123'));
    const call = await timed(() => stripe.customers.retrieve('cus_123'));
    expect(call.error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(isCircuitOpenError(call.error)).toBe(false);
    expect(isCircuitOpenError(findBreakerBoxError(call.error))).toBe(true);
  });
});

describe("stripe's own timeout (createFetchHttpClient aborts its signal with a TypeError reason)", () => {
  const sdkTimeout = 300;

  it('without callerTimeout, a hung host never trips the breaker', async () => {
    const { box, stripe } = stripeThrough({ onRefusal: 'respond' }, { timeout: sdkTimeout, maxNetworkRetries: 0 });
    server.setHealth('hanging');
    for (let i = 0; i < 3; i++) {
      const call = await timed(() => stripe.customers.retrieve('cus_123'));
      expect(call.error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
      expect((call.error as Error).message).toMatch(/timeout/);
    }
    expect(box.state(server.origin)).toBe('closed');
    expect(box.snapshot()[0]).toMatchObject({ failures: 0, successes: 0 });
  });

  it('with callerTimeout a little below the SDK timeout, each one counts as a timeout and the breaker opens', async () => {
    const { box, stripe } = stripeThrough({ onRefusal: 'respond', callerTimeout: sdkTimeout - 50 }, { timeout: sdkTimeout, maxNetworkRetries: 0 });
    server.setHealth('hanging');
    const outcomes: string[] = [];
    box.on('outcome', (event) => outcomes.push(`${event.outcome.kind}:${event.verdict}`));
    await timed(() => stripe.customers.retrieve('cus_123'));
    await timed(() => stripe.customers.retrieve('cus_123'));
    expect(outcomes).toEqual(['timeout:failure', 'timeout:failure']);
    expect(box.state(server.origin)).toBe('open');

    const sent = server.hits();
    const refused = await timed(() => stripe.customers.retrieve('cus_123'));
    expect(refused.ms).toBeLessThan(100);
    expect(server.hits()).toBe(sent);
    expect((refused.error as Stripe.errors.StripeError).rawType).toBe('circuit_open');
  });
});

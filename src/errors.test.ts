import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BreakerBoxError,
  BulkheadFullError,
  CircuitOpenError,
  type CircuitOpenErrorDetails,
  findBreakerBoxError,
  isBreakerBoxError,
  isBulkheadFullError,
  isCircuitOpenError,
} from './errors.js';

const refusal: CircuitOpenErrorDetails = {
  origin: 'https://api.example.com',
  state: 'open',
  retryAfter: 20_000,
  method: 'GET',
  url: 'https://api.example.com/users?page=2',
};
const full = { origin: 'https://api.example.com', method: 'POST', url: 'https://api.example.com/search', maxConcurrent: 10, maxQueue: 5 };

describe('CircuitOpenError', () => {
  it('carries the refusal: code, name, origin, state, retryAfter, method, url', () => {
    const error = new CircuitOpenError(refusal);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BreakerBoxError);
    expect(error).toMatchObject({ name: 'CircuitOpenError', code: 'ECIRCUITOPEN', ...refusal });
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  });

  it('says what was refused, why, and what to do', () => {
    expect(new CircuitOpenError(refusal).message).toBe(
      'Failed to send GET https://api.example.com/users?page=2: the circuit for https://api.example.com is open, next probe in 20000 ms. Please retry later, or configure a fallback for this host.',
    );
    expect(new CircuitOpenError({ ...refusal, state: 'half-open', retryAfter: undefined }).message).toContain('the circuit for https://api.example.com is half-open. Please');
    expect(new CircuitOpenError({ ...refusal, state: 'isolated', retryAfter: undefined }).message).toContain('is isolated until box.reset() is called');
  });

  it('has a stack that names the error and holds the message, without call frames', () => {
    const error = new CircuitOpenError(refusal);
    expect(error.stack).toBe(`CircuitOpenError: ${error.message}`);
    expect(String(error)).toBe(`CircuitOpenError: ${error.message}`);
  });

  it('leaves Error.stackTraceLimit as it found it, so other errors keep their frames', () => {
    const before = Error.stackTraceLimit;
    new CircuitOpenError(refusal);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('other').stack).toMatch(/\n\s+at /);
  });

  it('is still built when Error.stackTraceLimit cannot be changed (a frozen Error)', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!;
    Object.defineProperty(Error, 'stackTraceLimit', { ...descriptor, writable: false });
    try {
      const error = new CircuitOpenError(refusal);
      expect(error.code).toBe('ECIRCUITOPEN');
      expect(error.stack).toContain(`CircuitOpenError: ${error.message}`);
      expect(Error.stackTraceLimit).toBe(descriptor.value);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', descriptor);
    }
  });

  it('does not create Error.stackTraceLimit where the engine has none', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')!;
    delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
    try {
      expect(new CircuitOpenError(refusal).code).toBe('ECIRCUITOPEN');
      expect(Object.hasOwn(Error, 'stackTraceLimit')).toBe(false);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', descriptor);
    }
  });

  it('lets its message be assigned, as on any error, without changing other refusals', () => {
    const error = new CircuitOpenError(refusal);
    error.message = 'custom';
    expect(error.message).toBe('custom');
    expect(String(error)).toBe('CircuitOpenError: custom');
    expect(new CircuitOpenError(refusal).message).toMatch(/^Failed to send GET/);
  });

  it('keeps name, brand and message off the instance: only the refusal fields are own properties', () => {
    const error = new CircuitOpenError(refusal);
    expect(Object.keys(error).sort()).toEqual(['code', 'method', 'origin', 'retryAfter', 'state', 'url']);
    expect(Object.hasOwn(error, 'message')).toBe(false);
  });
});

describe('BulkheadFullError', () => {
  it('carries code, name, origin, method, url and the limits', () => {
    const error = new BulkheadFullError(full);
    expect(error).toBeInstanceOf(BreakerBoxError);
    expect(error).toMatchObject({ name: 'BulkheadFullError', code: 'EBULKHEADFULL', ...full, queueTimeout: undefined });
    expect(error.stack).toBe(`BulkheadFullError: ${error.message}`);
    expect(Object.keys(error).sort()).toEqual(['code', 'maxConcurrent', 'maxQueue', 'method', 'origin', 'queueTimeout', 'url']);
  });

  it('says whether it refused at once or after waiting in the queue', () => {
    expect(new BulkheadFullError(full).message).toBe(
      'Failed to send POST https://api.example.com/search: the bulkhead for https://api.example.com is full (10 in flight, 5 queued). Please send fewer requests at once, raise bulkhead.maxConcurrent or maxQueue, or configure a fallback for this host.',
    );
    const waited = new BulkheadFullError({ ...full, queueTimeout: 250 });
    expect(waited.queueTimeout).toBe(250);
    expect(waited.message).toContain('it waited 250 ms in the queue of the bulkhead for https://api.example.com (10 in flight) without getting a slot');
  });
});

describe('guards', () => {
  it('tell each error apart', () => {
    const open = new CircuitOpenError(refusal);
    const bulkhead = new BulkheadFullError(full);
    expect([isCircuitOpenError(open), isBulkheadFullError(open), isBreakerBoxError(open)]).toEqual([true, false, true]);
    expect([isCircuitOpenError(bulkhead), isBulkheadFullError(bulkhead), isBreakerBoxError(bulkhead)]).toEqual([false, true, true]);
    for (const other of [new Error('x'), { code: 'ECIRCUITOPEN' }, null, undefined, 'ECIRCUITOPEN']) {
      expect([isCircuitOpenError(other), isBulkheadFullError(other), isBreakerBoxError(other)]).toEqual([false, false, false]);
    }
  });

  describe('across copies of the module', () => {
    afterEach(() => {
      vi.resetModules();
    });

    it('build the first error of a fresh copy with the same stack header as every later one', async () => {
      vi.resetModules();
      const copy = await import('./errors.js');
      const first = new copy.CircuitOpenError(refusal);
      expect(first.stack).toBe(`CircuitOpenError: ${new CircuitOpenError(refusal).message}`);
    });

    it('recognise errors of another copy, whose classes differ', async () => {
      vi.resetModules();
      const copy = await import('./errors.js');
      expect(copy.CircuitOpenError).not.toBe(CircuitOpenError);
      const foreignOpen = new copy.CircuitOpenError(refusal);
      const foreignFull = new copy.BulkheadFullError(full);
      expect(foreignOpen).not.toBeInstanceOf(CircuitOpenError);
      expect(isCircuitOpenError(foreignOpen)).toBe(true);
      expect(isBulkheadFullError(foreignFull)).toBe(true);
      expect(isBreakerBoxError(foreignFull)).toBe(true);
      expect(copy.isCircuitOpenError(new CircuitOpenError(refusal))).toBe(true);
      expect(findBreakerBoxError(new Error('wrapped', { cause: foreignOpen }))).toBe(foreignOpen);
    });
  });
});

describe('findBreakerBoxError', () => {
  const open = new CircuitOpenError(refusal);

  it('returns the error itself', () => {
    expect(findBreakerBoxError(open)).toBe(open);
    const bulkhead = new BulkheadFullError(full);
    expect(findBreakerBoxError(bulkhead)).toBe(bulkhead);
  });

  it('returns undefined when there is none', () => {
    for (const value of [undefined, null, 0, 'ECIRCUITOPEN', new Error('down'), new Error('x', { cause: new Error('y') }), { error: { code: 'ECIRCUITOPEN' } }]) {
      expect(findBreakerBoxError(value)).toBeUndefined();
    }
  });

  // The shapes each SDK gives a rejected fetch, from their sources.
  it('openai: APIConnectionError { cause }', async () => {
    const { APIConnectionError } = await import('openai');
    expect(findBreakerBoxError(new APIConnectionError({ message: 'Connection error.', cause: open }))).toBe(open);
  });

  it("stripe: StripeConnectionError { detail, raw: { detail } }", async () => {
    const { default: Stripe } = await import('stripe');
    const error = new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.', detail: open });
    expect(findBreakerBoxError(error)).toBe(open);
  });

  it('octokit: RequestError with status 500 and the fetch error as cause', () => {
    const requestError = Object.assign(new Error(open.message), { name: 'HttpError', status: 500, request: { method: 'GET', url: refusal.url, headers: {} } });
    requestError.cause = open;
    expect(findBreakerBoxError(requestError)).toBe(open);
  });

  it('ofetch: FetchError { cause } with getters for request, options and response', () => {
    const fetchError = new Error(`[GET] "${refusal.url}": <no response> ${open.message}`, { cause: open });
    for (const key of ['request', 'options', 'response', 'data', 'status']) Object.defineProperty(fetchError, key, { get: () => undefined });
    expect(findBreakerBoxError(fetchError)).toBe(open);
  });

  it('postgrest-js with throwOnError(), wretch, graphql-request and openapi-fetch: the rejection itself', () => {
    expect(findBreakerBoxError(open)).toBe(open);
  });

  it('postgrest-js without throwOnError(): only strings are left, so nothing is found', () => {
    const result = { data: null, error: { message: `CircuitOpenError: ${open.message}`, details: String(open.stack), hint: '', code: '' }, status: 0 };
    expect(findBreakerBoxError(result)).toBeUndefined();
    expect(findBreakerBoxError(result.error)).toBeUndefined();
  });

  it('result objects and client wrappers: error, originalError, networkError, reason', () => {
    expect(findBreakerBoxError({ data: null, error: open })).toBe(open);
    expect(findBreakerBoxError(Object.assign(new Error('GraphQL failed'), { originalError: open }))).toBe(open);
    expect(findBreakerBoxError(Object.assign(new Error('Network error'), { networkError: open }))).toBe(open);
    expect(findBreakerBoxError({ status: 'rejected', reason: open })).toBe(open);
  });

  it('AggregateError: the errors it holds', () => {
    expect(findBreakerBoxError(new AggregateError([new Error('a'), open], 'all failed'))).toBe(open);
  });

  it('looks through nested wrappers, nearest first', () => {
    const deeper = new BulkheadFullError(full);
    const chain = new Error('top', { cause: { detail: new Error('mid', { cause: deeper }), raw: { detail: open } } });
    // Both sit 3 levels down: at equal depth, fields are read in order (cause, detail, raw...).
    expect(findBreakerBoxError(chain)).toBe(deeper);
    const nearer = new Error('top', { cause: new Error('mid', { cause: new Error('low', { cause: deeper }) }) });
    (nearer as { detail?: unknown }).detail = open;
    expect(findBreakerBoxError(nearer)).toBe(open);
  });

  it('stops after 8 levels', () => {
    const wrap = (levels: number) => {
      let error: unknown = open;
      for (let i = 0; i < levels; i++) error = new Error(`level ${i}`, { cause: error });
      return error;
    };
    expect(findBreakerBoxError(wrap(8))).toBe(open);
    expect(findBreakerBoxError(wrap(9))).toBeUndefined();
  });

  it('is safe on cycles, throwing getters and revoked proxies', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = { cause: a };
    a.cause = b;
    expect(findBreakerBoxError(a)).toBeUndefined();

    const throwing = Object.defineProperty(new Error('x'), 'cause', {
      get() {
        throw new Error('getter');
      },
    });
    Object.assign(throwing, { detail: open });
    expect(findBreakerBoxError(throwing)).toBe(open);

    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(findBreakerBoxError(proxy)).toBeUndefined();
    expect(findBreakerBoxError({ cause: proxy, errors: proxy, error: open })).toBe(open);
  });

  it('bounds the work on wide errors arrays', () => {
    const wide = new AggregateError([...Array.from({ length: 1000 }, () => new Error('noise')), open]);
    expect(findBreakerBoxError(wide)).toBeUndefined();
    expect(findBreakerBoxError(new AggregateError([open, ...Array.from({ length: 1000 }, () => new Error('noise'))]))).toBe(open);
  });
});

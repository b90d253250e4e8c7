import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { attachToAxios } from '../../src/adapters/axios/index.js';
import { createFetch, patchGlobalFetch } from '../../src/adapters/fetch/index.js';
import { kyOptions } from '../../src/adapters/ky/index.js';
import { createBreakerBox, createMemoryCacheStore } from '../../src/index.js';

/**
 * Every invalid option throws at construction, with the error class the rule calls
 * for (TypeError: wrong type; RangeError: right type, wrong value) and a message that
 * names the option and the value received.
 */
interface Case {
  options: unknown;
  error: typeof TypeError | typeof RangeError;
  /** The option path the message must name. */
  names: string;
  /** How the received value must appear in the message. */
  got: string;
}

const H = 'options.hosts["https://api.example.test"]';
const cases: Case[] = [
  { options: null, error: TypeError, names: 'options', got: 'null' },
  { options: [], error: TypeError, names: 'options', got: 'an array' },
  { options: { failureTreshold: 3 }, error: TypeError, names: 'options.failureTreshold', got: '3' },
  { options: { breaker: 5 }, error: TypeError, names: 'options.breaker', got: '5' },
  { options: { breaker: { failureTreshold: 3 } }, error: TypeError, names: 'options.breaker.failureTreshold', got: '3' },
  { options: { breaker: { failureThreshold: 0 } }, error: RangeError, names: 'options.breaker.failureThreshold', got: '0' },
  { options: { breaker: { failureThreshold: 2.5 } }, error: RangeError, names: 'options.breaker.failureThreshold', got: '2.5' },
  { options: { breaker: { failureThreshold: '5' } }, error: TypeError, names: 'options.breaker.failureThreshold', got: '"5"' },
  { options: { breaker: { failureThreshold: Number.NaN } }, error: TypeError, names: 'options.breaker.failureThreshold', got: 'NaN' },
  { options: { breaker: { openDuration: 0 } }, error: RangeError, names: 'options.breaker.openDuration', got: '0' },
  { options: { breaker: { openDuration: -1 } }, error: RangeError, names: 'options.breaker.openDuration', got: '-1' },
  { options: { breaker: { openDuration: Infinity } }, error: RangeError, names: 'options.breaker.openDuration', got: 'Infinity' },
  { options: { breaker: { maxOpenDuration: '1m' } }, error: TypeError, names: 'options.breaker.maxOpenDuration', got: '"1m"' },
  { options: { breaker: { openDuration: 10_000, maxOpenDuration: 5_000 } }, error: RangeError, names: 'options.breaker.maxOpenDuration', got: '5000' },
  { options: { breaker: { halfOpenProbes: 0 } }, error: RangeError, names: 'options.breaker.halfOpenProbes', got: '0' },
  { options: { breaker: { halfOpenProbes: 1.5 } }, error: RangeError, names: 'options.breaker.halfOpenProbes', got: '1.5' },
  { options: { breaker: { respectRetryAfter: 'yes' } }, error: TypeError, names: 'options.breaker.respectRetryAfter', got: '"yes"' },
  { options: { breaker: { failureRate: 0.5 } }, error: TypeError, names: 'options.breaker.failureRate', got: '0.5' },
  { options: { breaker: { failureRate: { threshold: 0 } } }, error: RangeError, names: 'options.breaker.failureRate.threshold', got: '0' },
  { options: { breaker: { failureRate: { threshold: 1.5 } } }, error: RangeError, names: 'options.breaker.failureRate.threshold', got: '1.5' },
  { options: { breaker: { failureRate: { threshold: 0.5, minimumCalls: 0 } } }, error: RangeError, names: 'options.breaker.failureRate.minimumCalls', got: '0' },
  { options: { breaker: { failureRate: { threshold: 0.5, window: 5 } } }, error: RangeError, names: 'options.breaker.failureRate.window', got: '5' },
  { options: { breaker: { slowCall: { duration: 0 } } }, error: RangeError, names: 'options.breaker.slowCall.duration', got: '0' },
  { options: { breaker: { slowCall: { duration: 100, rateThreshold: 2 } } }, error: RangeError, names: 'options.breaker.slowCall.rateThreshold', got: '2' },
  { options: { timeout: 0 }, error: RangeError, names: 'options.timeout', got: '0' },
  { options: { timeout: '10s' }, error: TypeError, names: 'options.timeout', got: '"10s"' },
  { options: { failureStatuses: 500 }, error: TypeError, names: 'options.failureStatuses', got: '500' },
  { options: { failureStatuses: [500, 99] }, error: RangeError, names: 'options.failureStatuses[1]', got: '99' },
  { options: { failureStatuses: [600] }, error: RangeError, names: 'options.failureStatuses[0]', got: '600' },
  { options: { classify: 'strict' }, error: TypeError, names: 'options.classify', got: '"strict"' },
  { options: { fallback: { cache: 'yes' } }, error: TypeError, names: 'options.fallback.cache', got: '"yes"' },
  { options: { fallback: { cache: { maxStale: -1 } } }, error: RangeError, names: 'options.fallback.cache.maxStale', got: '-1' },
  { options: { fallback: { cache: { maxBodyBytes: -1 } } }, error: RangeError, names: 'options.fallback.cache.maxBodyBytes', got: '-1' },
  { options: { fallback: { cache: { private: 1 } } }, error: TypeError, names: 'options.fallback.cache.private', got: '1' },
  { options: { fallback: { when: 'always' } }, error: TypeError, names: 'options.fallback.when', got: '"always"' },
  { options: { fallback: { value: { status: 99 } } }, error: RangeError, names: 'options.fallback.value.status', got: '99' },
  { options: { fallback: { value: { status: 204, body: 'x' } } }, error: TypeError, names: 'options.fallback.value.body', got: 'a body' },
  { options: { fallback: { value: { headers: { 'x-n': 1 } } } }, error: TypeError, names: 'options.fallback.value.headers["x-n"]', got: '1' },
  { options: { maxOrigins: 0 }, error: RangeError, names: 'options.maxOrigins', got: '0' },
  { options: { maxOrigins: 10.5 }, error: RangeError, names: 'options.maxOrigins', got: '10.5' },
  { options: { clock: Date.now }, error: TypeError, names: 'options.clock', got: 'a function' },
  { options: { clock: { now: 5 } }, error: TypeError, names: 'options.clock.now', got: '5' },
  { options: { random: 0.5 }, error: TypeError, names: 'options.random', got: '0.5' },
  { options: { cacheStore: { get() {} } }, error: TypeError, names: 'options.cacheStore.set', got: 'undefined' },
  { options: { hosts: [] }, error: TypeError, names: 'options.hosts', got: 'an array' },
  { options: { hosts: { 'https://api.example.test': { breaker: { failureThreshold: 0 } } } }, error: RangeError, names: `${H}.breaker.failureThreshold`, got: '0' },
  { options: { hosts: { 'https://api.example.test': { maxOrigins: 5 } } }, error: TypeError, names: `${H}.maxOrigins`, got: '5' },
  { options: { hosts: { 'https://api.example.test': { breaker: { maxOpenDuration: 1_000 } } } }, error: RangeError, names: `${H}.breaker.maxOpenDuration`, got: '1000' },
  { options: { hosts: { 'https://api.example.test/v1': {} } }, error: TypeError, names: 'options.hosts["https://api.example.test/v1"]', got: '"https://api.example.test/v1"' },
  { options: { hosts: { '*.': {} } }, error: TypeError, names: 'options.hosts["*."]', got: '"*."' },
];

describe('createBreakerBox option validation', () => {
  for (const { options, error, names, got } of cases) {
    it(`throws a ${error.name} naming ${names} and ${got} when given ${JSON.stringify(options)}`, () => {
      let thrown: unknown;
      try {
        createBreakerBox(options as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(error);
      const message = (thrown as Error).message;
      expect(message).toContain(names);
      expect(message).toContain(`got ${got}`);
    });
  }

  it('accepts every valid option without throwing', () => {
    expect(() =>
      createBreakerBox({
        breaker: { failureThreshold: Infinity, failureRate: { threshold: 1, minimumCalls: 1, window: 10 }, slowCall: { duration: 1, rateThreshold: 1 }, openDuration: 1, maxOpenDuration: 1, halfOpenProbes: 1, respectRetryAfter: false },
        fallback: { cache: { maxStale: Infinity, private: true, maxBodyBytes: 0 }, value: () => undefined, when: 'open-or-failure' },
        timeout: Infinity,
        failureStatuses: [100, 599],
        maxOrigins: 1,
        clock: { now: () => 0 },
        random: () => 0,
        cacheStore: createMemoryCacheStore({ maxEntries: 1 }),
        hosts: { '*.example.test': { breaker: { failureRate: false, slowCall: false } }, 'https://api.example.test': { classify: () => 'ignore' } },
      }),
    ).not.toThrow();
  });
});

describe('adapter and store argument validation', () => {
  const box = createBreakerBox();
  const rejects: [string, () => unknown, RegExp][] = [
    ['createFetch(null)', () => createFetch(null as never), /createFetch expects a box .* got null/],
    ['createFetch(box, { fetch: 5 })', () => createFetch(box, { fetch: 5 as never }), /createFetch options\.fetch must be a function, got number/],
    ['patchGlobalFetch("box")', () => patchGlobalFetch('box' as never), /patchGlobalFetch expects a box .* got string/],
    ['attachToAxios({}, instance)', () => attachToAxios({} as never, axios.create()), /attachToAxios expects a box/],
    ['attachToAxios(box, {})', () => attachToAxios(box, {} as never), /attachToAxios expects an axios instance/],
    ['kyOptions(undefined)', () => kyOptions(undefined as never), /expects a box/],
    ['kyOptions(box, { fetch: "x" })', () => kyOptions(box, { fetch: 'x' as never }), /kyOptions options\.fetch must be a function, got string/],
    ['createMemoryCacheStore({ maxEntries: 0 })', () => createMemoryCacheStore({ maxEntries: 0 }), /maxEntries must be an integer >= 1, got 0/],
  ];
  for (const [call, run, message] of rejects) {
    it(`throws a clear error for ${call}`, () => {
      expect(run).toThrow(message);
    });
  }
});

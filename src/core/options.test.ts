import { describe, expect, it } from 'vitest';
import { createBreakerBox } from './box.js';
import { ORIGIN, testBox } from './test-support.js';

type Case = [description: string, options: unknown, error: typeof TypeError | typeof RangeError, message: string];

const cases: Case[] = [
  ['options itself', 'fast', TypeError, 'options must be a plain object, got "fast"'],
  ['an unknown option', { failureTreshold: 3 }, TypeError, 'options.failureTreshold is not a known option'],
  ['breaker', { breaker: 5 }, TypeError, 'options.breaker must be a plain object, got 5'],
  ['an unknown breaker option', { breaker: { threshold: 3 } }, TypeError, 'options.breaker.threshold is not a known option'],
  ['failureThreshold', { breaker: { failureThreshold: 0 } }, RangeError, 'options.breaker.failureThreshold must be an integer >= 1 or Infinity, got 0'],
  ['failureThreshold type', { breaker: { failureThreshold: '5' } }, TypeError, 'options.breaker.failureThreshold must be a number, got "5"'],
  ['failureThreshold fraction', { breaker: { failureThreshold: 2.5 } }, RangeError, 'got 2.5'],
  ['openDuration', { breaker: { openDuration: -1 } }, RangeError, 'options.breaker.openDuration must be a number of milliseconds > 0, got -1'],
  ['openDuration NaN', { breaker: { openDuration: NaN } }, TypeError, 'options.breaker.openDuration must be a number, got NaN'],
  ['maxOpenDuration', { breaker: { maxOpenDuration: Infinity } }, RangeError, 'options.breaker.maxOpenDuration must be a number of milliseconds > 0, got Infinity'],
  ['maxOpenDuration below openDuration', { breaker: { openDuration: 10_000, maxOpenDuration: 5_000 } }, RangeError, 'options.breaker.maxOpenDuration must be >= openDuration (10000), got 5000'],
  ['halfOpenProbes', { breaker: { halfOpenProbes: 0 } }, RangeError, 'options.breaker.halfOpenProbes must be an integer >= 1, got 0'],
  ['respectRetryAfter', { breaker: { respectRetryAfter: 'yes' } }, TypeError, 'options.breaker.respectRetryAfter must be a boolean, got "yes"'],
  ['failureRate', { breaker: { failureRate: 0.5 } }, TypeError, 'options.breaker.failureRate must be a plain object, got 0.5'],
  ['failureRate.threshold', { breaker: { failureRate: { threshold: 50 } } }, RangeError, 'options.breaker.failureRate.threshold must be a ratio > 0 and <= 1, got 50'],
  ['failureRate.minimumCalls', { breaker: { failureRate: { threshold: 0.5, minimumCalls: 0 } } }, RangeError, 'options.breaker.failureRate.minimumCalls must be an integer >= 1, got 0'],
  ['failureRate.window', { breaker: { failureRate: { threshold: 0.5, window: 5 } } }, RangeError, 'options.breaker.failureRate.window must be at least 10 milliseconds, got 5'],
  ['slowCall.duration', { breaker: { slowCall: {} } }, TypeError, 'options.breaker.slowCall.duration must be a number, got undefined'],
  ['slowCall.rateThreshold', { breaker: { slowCall: { duration: 100, rateThreshold: 0 } } }, RangeError, 'options.breaker.slowCall.rateThreshold must be a ratio > 0 and <= 1, got 0'],
  ['slowCall.minimumCalls', { breaker: { slowCall: { duration: 100, minimumCalls: 1.5 } } }, RangeError, 'options.breaker.slowCall.minimumCalls must be an integer >= 1, got 1.5'],
  ['slowCall.window', { breaker: { slowCall: { duration: 100, window: 0 } } }, RangeError, 'options.breaker.slowCall.window must be a number of milliseconds > 0, got 0'],
  ['timeout', { timeout: 0 }, RangeError, 'options.timeout must be an integer number of milliseconds from 1 to 2147483647 (or Infinity for none), got 0'],
  // Failing first in 0.1: 2**31 timed every request out after 1 ms; 0.5, 1.5 and 1e10 threw about "delay" after admission.
  ['timeout above the timer range', { timeout: 2 ** 31 }, RangeError, 'options.timeout must be an integer number of milliseconds from 1 to 2147483647 (or Infinity for none), got 2147483648'],
  ['fractional timeout', { timeout: 1.5 }, RangeError, 'options.timeout must be an integer number of milliseconds from 1 to 2147483647 (or Infinity for none), got 1.5'],
  ['huge timeout', { timeout: 1e10 }, RangeError, 'got 10000000000'],
  ['bodyTimeout', { bodyTimeout: 0.5 }, RangeError, 'options.bodyTimeout must be an integer number of milliseconds from 1 to 2147483647 (or Infinity for none), got 0.5'],
  ['callerTimeout', { callerTimeout: 'soon' }, TypeError, 'options.callerTimeout must be a number of milliseconds, got "soon"'],
  // Failing first in 0.1: these passed validation, then every refused request threw.
  ['fallback header name', { fallback: { value: { headers: { 'bad name': 'x' } } } }, TypeError, 'options.fallback.value.headers has "bad name", which is not an HTTP header name'],
  ['fallback header value', { fallback: { value: { headers: { 'x-a': 'a\r\nb' } } } }, TypeError, 'options.fallback.value.headers["x-a"] must not contain CR, LF or NUL'],
  ['cache credentialHeaders', { fallback: { cache: { credentialHeaders: ['x api key'] } } }, TypeError, 'options.fallback.cache.credentialHeaders[0] must be an HTTP header name, got "x api key"'],
  ['cache key', { fallback: { cache: { key: 'session' } } }, TypeError, 'options.fallback.cache.key must be a function, got "session"'],
  ['cache maxBytes', { fallback: { cache: { maxBytes: 0 } } }, RangeError, 'options.fallback.cache.maxBytes must be an integer >= 1, got 0'],
  ['host cache maxBytes', { hosts: { [ORIGIN]: { fallback: { cache: { maxBytes: 10 } } } } }, TypeError, `options.hosts["${ORIGIN}"].fallback.cache.maxBytes bounds the box's one store`],
  ['failureStatuses', { failureStatuses: 503 }, TypeError, 'options.failureStatuses must be an array of HTTP statuses, got 503'],
  ['failureStatuses entry', { failureStatuses: [503, 700] }, RangeError, 'options.failureStatuses[1] must be an integer HTTP status from 100 to 599, got 700'],
  ['classify', { classify: 'strict' }, TypeError, 'options.classify must be a function, got "strict"'],
  ['fallback', { fallback: true }, TypeError, 'options.fallback must be a plain object, got true'],
  ['fallback.when', { fallback: { when: 'always' } }, TypeError, `options.fallback.when must be one of 'open', 'open-or-failure', got "always"`],
  ['fallback.cache', { fallback: { cache: 'yes' } }, TypeError, 'options.fallback.cache must be a plain object, got "yes"'],
  ['fallback.cache.maxStale', { fallback: { cache: { maxStale: -5 } } }, RangeError, 'options.fallback.cache.maxStale must be a number of milliseconds > 0 (or Infinity), got -5'],
  ['fallback.cache.private', { fallback: { cache: { private: 1 } } }, TypeError, 'options.fallback.cache.private must be a boolean, got 1'],
  ['fallback.cache.maxBodyBytes', { fallback: { cache: { maxBodyBytes: -1 } } }, RangeError, 'options.fallback.cache.maxBodyBytes must be an integer >= 0, got -1'],
  ['fallback.value', { fallback: { value: 'down' } }, TypeError, 'options.fallback.value must be a plain object, got "down"'],
  ['fallback.value.status', { fallback: { value: { status: 99 } } }, RangeError, 'options.fallback.value.status must be an integer HTTP status from 200 to 599, got 99'],
  ['fallback.value.headers', { fallback: { value: { headers: { 'x-a': 1 } } } }, TypeError, 'options.fallback.value.headers["x-a"] must be a string, got 1'],
  ['fallback.value body on 204', { fallback: { value: { status: 204, body: 'x' } } }, TypeError, 'options.fallback.value.body must be null or undefined for status 204, got a body'],
  ['maxOrigins', { maxOrigins: 0 }, RangeError, 'options.maxOrigins must be an integer >= 1, got 0'],
  ['clock', { clock: Date.now }, TypeError, 'options.clock must be an object with a now() method, got a function'],
  ['clock.now', { clock: { now: 5 } }, TypeError, 'options.clock.now must be a function, got 5'],
  ['random', { random: 0.5 }, TypeError, 'options.random must be a function, got 0.5'],
  ['cacheStore', { cacheStore: { get() {} } }, TypeError, 'options.cacheStore.set must be a function, got undefined'],
  ['hosts', { hosts: [] }, TypeError, 'options.hosts must be a plain object, got an array'],
  ['a host entry', { hosts: { [ORIGIN]: null } }, TypeError, `options.hosts["${ORIGIN}"] must be a plain object, got null`],
  ['a host option', { hosts: { [ORIGIN]: { breaker: { halfOpenProbes: -1 } } } }, RangeError, `options.hosts["${ORIGIN}"].breaker.halfOpenProbes must be an integer >= 1, got -1`],
  ['a box-only option in a host', { hosts: { [ORIGIN]: { maxOrigins: 5 } } }, TypeError, `options.hosts["${ORIGIN}"].maxOrigins is not a known option`],
  ['a host key with a path', { hosts: { [`${ORIGIN}/v1`]: {} } }, TypeError, `a host key must be an origin like 'https://api.example.com' or a pattern like '*.example.com', got "${ORIGIN}/v1"`],
  ['a host key that is no URL', { hosts: { 'api.example.com': {} } }, TypeError, 'got "api.example.com"'],
  ['a bad host pattern', { hosts: { '*.': {} } }, TypeError, `a host pattern must look like '*.example.com', got "*."`],
  ['a host merge', { breaker: { openDuration: 60_000 }, hosts: { [ORIGIN]: { breaker: { maxOpenDuration: 1_000 } } } }, RangeError, `options.hosts["${ORIGIN}"].breaker.maxOpenDuration must be >= openDuration (60000), got 1000`],
];

describe('createBreakerBox option validation', () => {
  it('lets maxOpenDuration follow an openDuration above its default (0.1 threw about an option never set)', () => {
    expect(() => createBreakerBox({ breaker: { openDuration: 400_000 } })).not.toThrow();
  });

  it.each(cases)('rejects a bad %s with a message naming it and the value', (_, options, type, message) => {
    let thrown: unknown;
    try {
      createBreakerBox(options as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toContain(message);
  });

  it('accepts every documented option', () => {
    expect(() =>
      createBreakerBox({
        breaker: {
          failureThreshold: 3,
          failureRate: { threshold: 0.5, minimumCalls: 10, window: 60_000 },
          slowCall: { duration: 2_000, rateThreshold: 0.8, minimumCalls: 5, window: 30_000 },
          openDuration: 10_000,
          maxOpenDuration: 60_000,
          halfOpenProbes: 2,
          respectRetryAfter: false,
        },
        fallback: { cache: { maxStale: 60_000, private: true, maxBodyBytes: 1024 }, value: { status: 503, headers: { 'x-a': 'b' }, body: { queued: true } }, when: 'open-or-failure' },
        timeout: 5_000,
        failureStatuses: [500, 503],
        classify: () => 'success',
        hosts: { [ORIGIN]: { timeout: Infinity, breaker: { failureRate: false } }, '*.internal.example.com': { timeout: 2_000 } },
        maxOrigins: 10,
        clock: { now: () => 0 },
        random: () => 0.5,
      }),
    ).not.toThrow();
  });

  it('does not change the options it was given', () => {
    const options = { breaker: { failureThreshold: 2 }, hosts: { [ORIGIN]: { breaker: { openDuration: 5 } } } };
    const copy = structuredClone(options);
    testBox(options);
    expect(options).toEqual(copy);
  });
});

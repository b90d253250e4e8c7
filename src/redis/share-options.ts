import type { Redis } from 'ioredis';
import type { Clock } from '../core/types.js';
import { assertFunction, assertKnownKeys, assertObject } from '../core/validate.js';
import { assertClient } from './client.js';

/**
 * Options of {@link shareOpenState}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createBreakerBox } from 'breakerbox';
 * import { shareOpenState } from 'breakerbox/redis';
 *
 * const box = createBreakerBox();
 * const client = new Redis({ commandTimeout: 1_000 });
 * const stop = shareOpenState(box, {
 *   client,
 *   subscriber: client.duplicate(),
 *   prefix: 'shop:breakerbox:',
 *   onError: (error) => console.warn('breakerbox sharing:', error),
 * });
 * ```
 */
export interface ShareOpenStateOptions {
  /** A connection for commands (publishing, keys, the scan on start). It may be shared with the rest of the app. */
  client: Redis;
  /**
   * A second connection, for the subscription only (a subscribed Redis connection can run
   * no other command), e.g. `client.duplicate()`. It may carry other subscriptions too.
   */
  subscriber: Redis;
  /** Prepended to the channel and the per-origin keys; replicas that share must use the same one. @default 'breakerbox:' */
  prefix?: string;
  /**
   * The box's clock, when `createBreakerBox` was given one: signals travel as wall-clock
   * epoch ms and are converted with it. @default { now: Date.now }
   */
  clock?: Clock;
  /**
   * Told about Redis errors (a publish, the scan on start). They never reach a request
   * either way; this is for logs and metrics. @default undefined (errors are only counted away)
   */
  onError?: (error: unknown) => void;
}

/** The options after defaults. */
export interface ResolvedShareOpenStateOptions {
  client: Redis;
  subscriber: Redis;
  prefix: string;
  clock: Clock;
  onError: ((error: unknown) => void) | undefined;
}

const KNOWN = ['client', 'subscriber', 'prefix', 'clock', 'onError'] as const;
const PATH = 'shareOpenState options';
const systemClock: Clock = { now: () => Date.now() };

/** Validate (a TypeError naming the option and the value received) and apply defaults. */
export function resolveShareOpenStateOptions(options: unknown): ResolvedShareOpenStateOptions {
  assertObject(PATH, options);
  assertKnownKeys(PATH, options, KNOWN);
  assertClient(`${PATH}.client`, options['client'], ['eval', 'scan', 'mget', 'on']);
  assertClient(`${PATH}.subscriber`, options['subscriber'], ['subscribe', 'unsubscribe', 'on']);
  if (options['client'] === options['subscriber']) {
    throw new TypeError(`${PATH}.subscriber must be a second connection (e.g. client.duplicate()), got the same client as options.client: a subscribed connection cannot publish`);
  }
  const { prefix = 'breakerbox:', clock = systemClock, onError } = options as Partial<ShareOpenStateOptions>;
  if (typeof prefix !== 'string') throw new TypeError(`${PATH}.prefix must be a string, got ${typeof prefix}`);
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') throw new TypeError(`${PATH}.clock must be an object with now(), got ${typeof clock}`);
  if (onError !== undefined) assertFunction(`${PATH}.onError`, onError);
  return { client: options['client'] as Redis, subscriber: options['subscriber'] as Redis, prefix, clock, onError };
}

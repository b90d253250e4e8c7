import type { Cluster, Redis } from 'ioredis';
import { show } from '../core/validate.js';

/** An ioredis connection (`new Redis(...)`) or cluster (`new Redis.Cluster(...)`). */
export type RedisClient = Redis | Cluster;

/**
 * Whether a command sent now goes straight to the server. Anything else (`'connecting'`,
 * `'reconnecting'`, `'end'`...) would park the command in ioredis's offline queue, where it
 * could wait for as long as Redis is away: breakerbox sends nothing then instead.
 */
export function isReady(client: { readonly status: string }): boolean {
  return client.status === 'ready';
}

/**
 * A client made with `lazyConnect: true` connects on its first command; breakerbox sends
 * none while it is not ready, so it starts the connection itself (once, errors left to
 * ioredis's own 'error' events and retries).
 */
export function connectIfLazy(client: { readonly status: string; connect(): Promise<void> }): void {
  if (client.status === 'wait') client.connect().then(undefined, () => {});
}

/** The client's own `keyPrefix` (ioredis adds it to every key it sends, but not to SCAN's pattern or its replies). */
export function clientKeyPrefix(client: { readonly options?: { keyPrefix?: string | undefined } }): string {
  const prefix = client.options?.keyPrefix;
  return typeof prefix === 'string' ? prefix : '';
}

/** A TypeError naming the option unless `value` looks like an ioredis client with the given methods. */
export function assertClient(path: string, value: unknown, methods: readonly string[]): void {
  const client = value as Record<string, unknown> | null;
  const ok = typeof value === 'object' && value !== null && typeof client!['status'] === 'string' && methods.every((m) => typeof client![m] === 'function');
  if (!ok) throw new TypeError(`${path} must be an ioredis client (new Redis(...)) with ${methods.join(', ')}, got ${show(value)}`);
}

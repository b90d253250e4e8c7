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

/** A TypeError naming the option unless `value` looks like an ioredis client with the given methods. */
export function assertClient(path: string, value: unknown, methods: readonly string[]): void {
  const client = value as Record<string, unknown> | null;
  const ok = typeof value === 'object' && value !== null && typeof client!['status'] === 'string' && methods.every((m) => typeof client![m] === 'function');
  if (!ok) throw new TypeError(`${path} must be an ioredis client (new Redis(...)) with ${methods.join(', ')}, got ${show(value)}`);
}

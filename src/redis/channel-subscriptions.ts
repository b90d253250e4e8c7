import type { Redis } from 'ioredis';

/**
 * Channels subscribed per subscriber connection, counted, so two boxes sharing through one
 * connection and one prefix do not unsubscribe each other when one of them stops.
 */
const counts = new WeakMap<Redis, Map<string, { count: number; subscribed: Promise<unknown> }>>();

/**
 * Subscribe (once per connection and channel). The promise settles when Redis confirmed the
 * subscription: from then on no message on the channel is missed. It rejects when the
 * subscribe failed (it is tried again on the connection's next 'ready').
 */
export function addSubscription(subscriber: Redis, channel: string): Promise<unknown> {
  let channels = counts.get(subscriber);
  if (channels === undefined) counts.set(subscriber, (channels = new Map()));
  const held = channels.get(channel);
  if (held !== undefined) {
    held.count++;
    return held.subscribed;
  }
  // Without an offline queue, a subscribe sent before the connection is up only fails: the
  // connection's 'ready' subscribes instead (see shareOpenState).
  const waitForReady = subscriber.status !== 'ready' && subscriber.options.enableOfflineQueue === false;
  const subscribed = waitForReady ? new Promise<never>(() => {}) : subscriber.subscribe(channel);
  channels.set(channel, { count: 1, subscribed });
  return subscribed;
}

/** Drop one use of the channel; the last one unsubscribes. */
export function removeSubscription(subscriber: Redis, channel: string): void {
  const channels = counts.get(subscriber);
  const held = channels?.get(channel);
  if (held !== undefined && held.count > 1) {
    held.count--;
    return;
  }
  channels?.delete(channel);
  // Redis may be away; the connection then has no subscription to drop anyway.
  subscriber.unsubscribe(channel).then(undefined, () => {});
}

import type { Redis } from 'ioredis';

/**
 * Channels subscribed per subscriber connection, counted, so two boxes sharing through one
 * connection and one prefix do not unsubscribe each other when one of them stops.
 */
const counts = new WeakMap<Redis, Map<string, number>>();

/** Subscribe (once per connection and channel); a failure goes to `onError` and is retried on the next 'ready'. */
export function addSubscription(subscriber: Redis, channel: string, onError: (error: unknown) => void): void {
  let channels = counts.get(subscriber);
  if (channels === undefined) counts.set(subscriber, (channels = new Map()));
  const count = channels.get(channel) ?? 0;
  channels.set(channel, count + 1);
  if (count === 0) subscriber.subscribe(channel).then(undefined, onError);
}

/** Drop one use of the channel; the last one unsubscribes. */
export function removeSubscription(subscriber: Redis, channel: string): void {
  const channels = counts.get(subscriber);
  const count = channels?.get(channel) ?? 0;
  if (count > 1) {
    channels!.set(channel, count - 1);
    return;
  }
  channels?.delete(channel);
  // Redis may be away; the connection then has no subscription to drop anyway.
  subscriber.unsubscribe(channel).then(undefined, () => {});
}

import type { BreakerBox, BreakerBoxEvents, StateChangeCause } from '../core/types.js';
import { addSubscription, removeSubscription } from './channel-subscriptions.js';
import { clientKeyPrefix, connectIfLazy, isReady } from './client.js';
import { readOpenKeys } from './read-open-keys.js';
import { resolveShareOpenStateOptions, type ShareOpenStateOptions } from './share-options.js';
import { parseSignal, signalNames, type OpenSignal } from './signal.js';

/**
 * Opens worth telling the other replicas about: a verdict this replica reached on its own
 * traffic (or the user's `openUntil()`). Half-open and probe successes are never shared:
 * each replica probes for itself when the instant passes, so one lucky probe cannot close
 * every replica, and one replica's bad luck is only ever an open with an end.
 */
const SHARED_OPEN_CAUSES: ReadonlySet<StateChangeCause> = new Set(['failures', 'failure-rate', 'slow-calls', 'retry-after', 'probe-failed', 'open-until']);

/**
 * Write an open's key unless the origin's key already says more: an isolate (which lasts
 * until a reset), or an open that ends later. Replicas open at slightly different times
 * and for different lengths; the key a starting replica reads must be the strongest.
 * KEYS[1] the key; ARGV: the signal, its PX, its end instant.
 */
const SET_OPEN_KEY = `local current = redis.call('GET', KEYS[1])
if current then
  if string.find(current, '"kind":"isolate"', 1, true) then return 0 end
  local untilAt = tonumber(string.match(current, '"until":(%d+)'))
  if untilAt and untilAt >= tonumber(ARGV[3]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Origins whose own standing signal is remembered, to put back a key Redis lost. */
const MAX_REMEMBERED_ORIGINS = 10_000;

/**
 * How long a reset's key stays, for a replica that was away when it was sent to catch up
 * on. A key that is simply missing is never read as a reset: Redis loses keys on its own (a
 * restart without persistence, an `allkeys-lru` eviction).
 */
export const RESET_KEY_TTL = 24 * 3_600_000;

/**
 * Shares a box's open breakers with every replica on the same Redis (and prefix): when a
 * breaker opens on its own failures, is isolated or is reset, the others do the same at
 * once, until the same instant. Then each replica sends its own half-open probe.
 *
 * - Shared: opens with their end instant, `isolate()`, `reset()`. Never counters: one
 *   replica's failures open it alone, and they open the others only once they opened it.
 * - Signals travel by pub/sub, and each open origin also has a key (expiring at the instant)
 *   that a replica reads when it starts and whenever its connection comes back. A reset
 *   leaves a key too (for a day), so a replica that was away catches up on it; a key Redis
 *   lost (a restart, an eviction) is not a reset, and the replica whose verdict it was puts
 *   it back.
 * - No request ever waits for Redis: signals are sent from the state change, fire and
 *   forget; a signal that cannot be sent is kept (the latest per origin) and sent when the
 *   client is ready again. Reconnecting is ioredis's own (`retryStrategy`).
 * - Times cross the wire as wall-clock epoch ms: replicas' clocks must roughly agree (NTP).
 *   A skewed peer cannot hold a breaker open beyond the box's `maxOpenDuration`.
 *
 * Returns `stop()`: stops sending and applying signals (the connections stay yours).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createBreakerBox } from 'breakerbox';
 * import { shareOpenState } from 'breakerbox/redis';
 *
 * const box = createBreakerBox({ breaker: { failureThreshold: 5, openDuration: 30_000 } });
 * const client = new Redis({ host: '127.0.0.1', commandTimeout: 1_000 });
 * const stop = shareOpenState(box, { client, subscriber: client.duplicate() });
 * // ... on shutdown:
 * stop();
 * ```
 */
export function shareOpenState(box: BreakerBox, options: ShareOpenStateOptions): () => void {
  if (typeof box !== 'object' || box === null || typeof box.on !== 'function' || typeof box.openUntil !== 'function') {
    throw new TypeError(`shareOpenState expects a box from createBreakerBox() as its first argument, got ${box === null ? 'null' : typeof box}`);
  }
  const { client, subscriber, prefix, clock, onError } = resolveShareOpenStateOptions(options);
  const { channel, keyPrefix, keyPattern } = signalNames(prefix, clientKeyPrefix(client));
  const self = crypto.randomUUID();
  const report = (error: unknown): void => {
    if (onError === undefined) return;
    try {
      onError(error);
    } catch {
      // A logging callback that throws must not become an unhandled rejection.
    }
  };
  let stopped = false;
  /** Set while this replica applies a peer's signal: the state change that causes is not sent back. */
  let applying = false;
  /** The latest signal per origin that could not be sent yet. */
  const unsent = new Map<string, OpenSignal>();
  /** This replica's own opens and isolates, per origin, while no peer has said newer: put back if Redis loses their key. */
  const own = new Map<string, OpenSignal>();
  /**
   * Origins changed here or by a peer's message since the key read in flight began. For
   * them the read's answer is older than what we know: a key it still found was deleted
   * since, a key it did not find was written since.
   */
  let changedDuringRead: Set<string> | undefined;

  const send = (signal: OpenSignal): void => {
    if (!isReady(client)) {
      unsent.set(signal.origin, signal);
      return;
    }
    const key = keyPrefix + signal.origin;
    const payload = JSON.stringify(signal);
    const transaction = client.multi();
    if (signal.kind === 'open') transaction.eval(SET_OPEN_KEY, 1, key, payload, Math.max(1, Math.ceil(signal.until - Date.now())), signal.until);
    else if (signal.kind === 'isolate') transaction.set(key, payload);
    else transaction.set(key, payload, 'PX', RESET_KEY_TTL);
    transaction.publish(channel, payload);
    transaction.exec().then((results) => {
      // A command refused inside the transaction (out of memory, a read-only replica) is only told.
      for (const [error] of results ?? []) if (error) report(error);
      flushUnsent();
    }, (error: unknown) => {
      // Keep it for the next 'ready', unless a newer signal for the origin is waiting already.
      if (!stopped && !unsent.has(signal.origin)) unsent.set(signal.origin, signal);
      report(error);
    });
  };

  /** Redis answered again without a reconnect (a slow spell, a command timeout): send what waited. */
  const flushUnsent = (): void => {
    if (unsent.size === 0 || stopped || !isReady(client)) return;
    const waiting = [...unsent.values()];
    unsent.clear();
    for (const signal of waiting) if (signal.kind !== 'open' || signal.until > Date.now()) send(signal);
  };

  const onStateChange = (event: BreakerBoxEvents['stateChange']): void => {
    if (applying || stopped) return;
    const { origin } = event;
    let signal: OpenSignal | undefined;
    if (event.to === 'open' && event.openFor !== undefined && SHARED_OPEN_CAUSES.has(event.cause)) {
      signal = { v: 1, from: self, origin, kind: 'open', until: Math.ceil(Date.now() + event.openFor) };
    } else if (event.to === 'isolated') {
      signal = { v: 1, from: self, origin, kind: 'isolate' };
    } else if (event.cause === 'reset') {
      signal = { v: 1, from: self, origin, kind: 'reset' };
    }
    if (signal === undefined) return;
    // This replica's own verdict now stands for the origin, whatever a peer said before.
    if (signal.kind === 'reset') own.delete(origin);
    else {
      // Bounded like the box's registry; forgetting only costs putting back a key Redis lost.
      if (own.size >= MAX_REMEMBERED_ORIGINS) own.clear();
      own.set(origin, signal);
    }
    changedDuringRead?.add(origin);
    send(signal);
  };

  const apply = (signal: OpenSignal): void => {
    if (stopped || signal.from === self) return;
    applying = true;
    try {
      if (signal.kind === 'open') {
        const left = signal.until - Date.now();
        if (left <= 0) return;
        box.openUntil(signal.origin, clock.now() + left);
      } else if (signal.kind === 'isolate') {
        box.isolate(signal.origin);
      } else {
        box.reset(signal.origin);
      }
      // A peer's word is newer than ours, sent or still waiting to be, for the same origin.
      unsent.delete(signal.origin);
      if (!outlasted(own.get(signal.origin), signal)) own.delete(signal.origin);
    } catch (error) {
      // Not an origin (another program writing to our channel): ignore it.
      report(error);
    } finally {
      applying = false;
    }
  };

  const onMessage = (from: string, message: string): void => {
    if (from !== channel) return;
    const signal = parseSignal(message);
    // Our own signal coming back says nothing new.
    if (signal === undefined || signal.from === self) return;
    changedDuringRead?.add(signal.origin);
    apply(signal);
  };

  /**
   * Send what could not be sent, then read every origin's key: what is open now. Both go
   * down the client's one connection in that order, so the keys read include what we sent.
   * Not before the client is ready (its 'ready' calls this again): a read parked in the
   * offline queue would be answered before the waiting signals could be sent.
   */
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  const sync = (): void => {
    if (stopped || !isReady(client)) return;
    if (syncing !== undefined) {
      syncAgain = true;
      return;
    }
    flushUnsent();
    changedDuringRead = new Set();
    syncing = readOpenKeys(client, keyPattern, () => stopped)
      .then(applyKeys, (error: unknown) => report(error))
      .finally(() => {
        changedDuringRead = undefined;
        syncing = undefined;
        if (syncAgain) {
          syncAgain = false;
          sync();
        }
      });
  };

  const applyKeys = (signals: OpenSignal[]): void => {
    if (stopped) return;
    const newer = changedDuringRead ?? new Set<string>();
    const present = new Set<string>();
    for (const signal of signals) {
      present.add(signal.origin);
      if (newer.has(signal.origin)) continue;
      // A reset's key undoes what we still hold (it is the origin's latest word: any open or
      // isolate since would have replaced it); a closed origin has nothing to undo.
      if (signal.kind === 'reset' && box.state(signal.origin) === 'closed') continue;
      apply(signal);
    }
    // A key Redis lost is not a reset: peers' word stands here, and ours is put back.
    for (const [origin, signal] of own) {
      if (present.has(origin) || newer.has(origin)) continue;
      if (stillHolds(signal)) send(signal);
      else own.delete(origin);
    }
  };

  /** Whether our own open still says more than a peer's open (which the box took, as `openUntil()` never shortens). */
  const outlasted = (ours: OpenSignal | undefined, theirs: OpenSignal): boolean =>
    ours?.kind === 'open' && theirs.kind === 'open' && ours.until > theirs.until;

  /** Whether the box still does what this replica's own signal said: the open has not ended, the isolate not been reset. */
  const stillHolds = (signal: OpenSignal): boolean => {
    const state = box.state(signal.origin);
    return signal.kind === 'isolate' ? state === 'isolated' : signal.kind === 'open' && state === 'open' && signal.until > Date.now();
  };

  // Read the keys only once the subscription is confirmed: a signal sent before that left its
  // key for the read to find, and one sent after arrives on the channel. None falls between.
  const onSubscriberReady = (): void => {
    // ioredis re-subscribes by itself after a reconnect; this also covers a first subscribe
    // that failed, and tells us when the subscription is back.
    subscriber.subscribe(channel).then(sync, report);
  };

  const unsubscribeBox = box.on('stateChange', onStateChange);
  subscriber.on('message', onMessage);
  subscriber.on('ready', onSubscriberReady);
  client.on('ready', sync);
  addSubscription(subscriber, channel).then(sync, report);
  connectIfLazy(client);

  return () => {
    if (stopped) return;
    stopped = true;
    unsubscribeBox();
    subscriber.off('message', onMessage);
    subscriber.off('ready', onSubscriberReady);
    client.off('ready', sync);
    removeSubscription(subscriber, channel);
    unsent.clear();
    own.clear();
  };
}

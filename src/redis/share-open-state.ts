import type { BreakerBox, BreakerBoxEvents, StateChangeCause } from '../core/types.js';
import { addSubscription, removeSubscription } from './channel-subscriptions.js';
import { clientKeyPrefix, connectIfLazy, isReady } from './client.js';
import { OriginWords, resetNamedBy, saidAfter } from './origin-words.js';
import { missingKeys, readOpenKeys } from './read-open-keys.js';
import { resolveShareOpenStateOptions, type ShareOpenStateOptions } from './share-options.js';
import { parseHello, parseSignal, signalNames, type HelloSignal, type OpenSignal } from './signal.js';
import { RESET_KEY_TTL, writeSignal } from './write-signal.js';

/**
 * Opens worth telling the other replicas about: a verdict this replica reached on its own
 * traffic (or the user's `openUntil()`). Half-open and probe successes are never shared:
 * each replica probes for itself when the instant passes, so one lucky probe cannot close
 * every replica, and one replica's bad luck is only ever an open with an end.
 */
const SHARED_OPEN_CAUSES: ReadonlySet<StateChangeCause> = new Set(['failures', 'failure-rate', 'slow-calls', 'retry-after', 'probe-failed', 'open-until']);

/** Origins whose latest word is remembered: to order late signals, and to put back a key Redis lost. */
const MAX_REMEMBERED_ORIGINS = 10_000;

/**
 * Shares a box's open breakers with every replica on the same Redis (and prefix): when a
 * breaker opens on its own failures, is isolated or is reset, the others do the same at
 * once, until the same instant. Then each replica sends its own half-open probe.
 *
 * - Shared: opens with their end instant, `isolate()`, `reset()` (even of an origin that
 *   is closed here). Never counters: one replica's failures open it alone, and they open
 *   the others only once they opened it.
 * - Signals travel by pub/sub, and each origin also has a key holding its latest word (an
 *   open until its instant, an isolate until a reset, a reset for a day) that a replica
 *   reads when it starts and whenever its connection comes back.
 * - Every signal says when it was said: a reset undoes only what was said before it, so a
 *   replica back from a partition, repeating what it knew, cannot undo a newer reset (the
 *   others tell it the reset again). A key Redis lost (a restart without persistence, an
 *   eviction) is not a reset: each replica that still holds its word writes it back, on
 *   its next key read and when a replica that starts says hello after its first.
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
  /** The latest word said or heard per origin. */
  const words = new OriginWords(MAX_REMEMBERED_ORIGINS);
  /**
   * Origins changed here or by a peer's message since the key read in flight began. For
   * them the read's answer is older than what we know: a key it did not find was written since.
   */
  let changedDuringRead: Set<string> | undefined;

  /** Whether a word still stands here: the open has not ended, the isolate not been reset, the reset is younger than its key's TTL. */
  const holds = (signal: OpenSignal): boolean => {
    if (signal.kind === 'reset') return signal.at + RESET_KEY_TTL > Date.now();
    const state = box.state(signal.origin);
    return signal.kind === 'isolate' ? state === 'isolated' : state === 'open' && signal.until > Date.now();
  };

  /** Write the signal's key (unless it says more) and publish; `if-written` for a word repeated, not new. */
  const send = (signal: OpenSignal, publish: 'always' | 'if-written' = 'always'): void => {
    if (!isReady(client)) {
      keep(signal);
      return;
    }
    writeSignal(client, keyPrefix + signal.origin, channel, signal, publish).then(
      (answer) => {
        // Not written: the key's word says more, and we may not know it yet (a reset we missed).
        if (typeof answer === 'string') learn(answer);
        flushUnsent();
      },
      (error: unknown) => {
        // Keep it for the next 'ready', unless a newer signal for the origin is waiting already.
        if (!stopped && !unsent.has(signal.origin)) keep(signal);
        report(error);
      },
    );
  };

  /** Keep a signal to send later: the latest per origin, bounded like the words (the oldest goes first). */
  const keep = (signal: OpenSignal): void => {
    unsent.delete(signal.origin);
    if (unsent.size >= MAX_REMEMBERED_ORIGINS) unsent.delete(unsent.keys().next().value!);
    unsent.set(signal.origin, signal);
  };

  /** Redis answered again without a reconnect (a slow spell, a command timeout): send what waited and still holds. */
  const flushUnsent = (): void => {
    if (unsent.size === 0 || stopped || !isReady(client)) return;
    const waiting = [...unsent.values()];
    unsent.clear();
    for (const signal of waiting) if (holds(signal)) send(signal);
  };

  /** This replica's own word: said after everything known of the origin, and sent. */
  const say = (origin: string, word: { kind: 'open'; until: number } | { kind: 'isolate' } | { kind: 'reset' }): void => {
    const since = word.kind === 'reset' ? undefined : words.lastReset(origin);
    const signal = { v: 1, from: self, origin, at: Math.max(Date.now(), words.lastAt(origin) + 1), ...word, ...(since === undefined ? {} : { since }) } as OpenSignal;
    words.said(signal, holds);
    changedDuringRead?.add(origin);
    send(signal);
  };

  /**
   * Resets and isolates are told by the box's 'reset' and 'isolate' events, for every call
   * (a reset of an origin closed here, an isolate of one isolated already: each is the
   * latest word); a box from an older copy of breakerbox only has stateChange.
   */
  let steeringEvents = true;
  const onStateChange = (event: BreakerBoxEvents['stateChange']): void => {
    if (applying || stopped) return;
    if (event.to === 'open' && event.openFor !== undefined && SHARED_OPEN_CAUSES.has(event.cause)) {
      say(event.origin, { kind: 'open', until: Math.ceil(Date.now() + event.openFor) });
    } else if (steeringEvents) {
      return;
    } else if (event.to === 'isolated') {
      say(event.origin, { kind: 'isolate' });
    } else if (event.cause === 'reset') {
      say(event.origin, { kind: 'reset' });
    }
  };
  const onSteer =
    (kind: 'reset' | 'isolate') =>
    ({ origin }: { origin: string }): void => {
      if (!applying && !stopped) say(origin, { kind });
    };

  /** The key's word, which a write of ours was refused for: heard, never answered (the key already says more). */
  const learn = (raw: string): void => {
    const signal = parseSignal(raw);
    if (signal !== undefined) hear(signal, false);
  };

  /** A signal heard, on the channel or in a key: applied if it is news, answered (if `answer`) with what we know if it is stale. */
  const hear = (signal: OpenSignal, answer = true): void => {
    if (stopped) return;
    try {
      box.state(signal.origin);
    } catch (error) {
      // Not an origin (another program writing to our channel or keys): ignore it.
      report(error);
      return;
    }
    // A word said after a reset we missed: take the reset first.
    const reset = resetNamedBy(signal);
    if (reset !== undefined) judge(reset, false);
    judge(signal, answer);
  };

  /** Apply a signal if it is news; if it is stale, and `answer`, say what we know instead. */
  const judge = (signal: OpenSignal, answer: boolean): void => {
    const judgement = words.hear(signal, holds);
    if (judgement === 'stale') {
      if (!answer) return;
      // What we know is newer: say it again (if Redis does not hold it already), so the one who sent this learns it.
      const latest = words.latest(signal.origin);
      if (latest !== undefined && holds(latest)) send(latest, 'if-written');
      return;
    }
    if (judgement === 'known') return;
    // An open or isolate of ours still waiting to be sent is outweighed now; a reset of ours still has to reach Redis.
    const waiting = unsent.get(signal.origin);
    if (waiting !== undefined && waiting.kind !== 'reset' && saidAfter(signal, waiting)) unsent.delete(signal.origin);
    applying = true;
    try {
      if (signal.kind === 'open') {
        openHere(signal);
      } else if (signal.kind === 'isolate') {
        box.isolate(signal.origin);
      } else {
        // A closed origin has nothing to undo; resetting it would only drop the outcomes in flight.
        if (box.state(signal.origin) !== 'closed') box.reset(signal.origin);
        // An open said after this reset, which what it undid had outweighed, stands again: here and in Redis.
        const standing = words.latest(signal.origin);
        if (standing?.kind === 'open' && openHere(standing)) send(standing, 'if-written');
      }
    } catch (error) {
      report(error);
    } finally {
      applying = false;
    }
  };

  /** Open the origin here until the open's wall-clock end, on the box's clock; whether it had not ended yet. */
  const openHere = (open: Extract<OpenSignal, { kind: 'open' }>): boolean => {
    const left = open.until - Date.now();
    if (left <= 0) return false;
    box.openUntil(open.origin, clock.now() + left);
    return true;
  };

  /** A replica started and read the keys: write back the opens and isolates we hold whose keys Redis lost since. */
  const onHello = (): void => {
    const standing: OpenSignal[] = [];
    for (const origin of words.origins()) {
      const latest = words.latest(origin);
      if (latest !== undefined && latest.kind !== 'reset' && holds(latest)) standing.push(latest);
    }
    if (standing.length === 0 || !isReady(client)) return;
    missingKeys(client, keyPrefix, standing).then((missing) => {
      for (const signal of missing) send(signal, 'if-written');
    }, report);
  };

  const onMessage = (from: string, message: string): void => {
    if (from !== channel) return;
    const hello = parseHello(message);
    if (hello !== undefined) {
      if (hello !== self && !stopped) onHello();
      return;
    }
    const signal = parseSignal(message);
    if (signal === undefined) return;
    if (signal.from === self) {
      // Our own word coming back says nothing new, but another replica writing it back may
      // have named a reset we missed.
      const reset = resetNamedBy(signal);
      if (reset !== undefined && reset.from !== self) hear(reset);
      return;
    }
    changedDuringRead?.add(signal.origin);
    hear(signal);
  };

  /**
   * Send what could not be sent, then read every origin's key: what is open now. Both go
   * down the client's one connection in that order, so the keys read include what we sent.
   * Not before the client is ready (its 'ready' calls this again): a read parked in the
   * offline queue would be answered before the waiting signals could be sent.
   */
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  /** Whether the subscription is confirmed: a read before it could miss a signal sent in between, and is made again after it anyway. */
  let subscribed = false;
  const sync = (): void => {
    if (stopped || !subscribed || !isReady(client)) return;
    if (syncing !== undefined) {
      syncAgain = true;
      return;
    }
    flushUnsent();
    changedDuringRead = new Set();
    syncing = readOpenKeys(client, keyPattern, () => stopped)
      .then(applyKeys)
      .then(greet)
      .catch((error: unknown) => report(error))
      .finally(() => {
        changedDuringRead = undefined;
        syncing = undefined;
        if (syncAgain) {
          syncAgain = false;
          sync();
        }
      });
  };

  /** Once, after the first read: ask the replicas holding words whose keys Redis lost to write them back. */
  let greeted = false;
  const greet = (): void => {
    if (greeted || stopped) return;
    greeted = true;
    const hello: HelloSignal = { v: 1, from: self, kind: 'hello' };
    client.publish(channel, JSON.stringify(hello)).then(undefined, report);
  };

  const applyKeys = (signals: OpenSignal[]): void => {
    if (stopped) return;
    const newer = changedDuringRead ?? new Set<string>();
    const present = new Set<string>();
    for (const signal of signals) {
      present.add(signal.origin);
      // Older than what we heard since the read began, or than a signal of ours still waiting,
      // it is judged so and changes nothing; newer (a reset we missed), it is taken.
      hear(signal);
    }
    // A key Redis lost is not a reset: put back what we know and still holds, unless Redis holds something newer by then.
    words.prune(holds);
    for (const origin of [...words.origins()]) {
      if (present.has(origin) || newer.has(origin) || unsent.has(origin)) continue;
      const latest = words.latest(origin);
      if (latest !== undefined) send(latest, 'if-written');
    }
  };

  // Read the keys only once the subscription is confirmed: a signal sent before that left its
  // key for the read to find, and one sent after arrives on the channel. None falls between.
  const onSubscriberReady = (): void => {
    // ioredis re-subscribes by itself after a reconnect; this also covers a first subscribe
    // that failed, and tells us when the subscription is back.
    subscriber.subscribe(channel).then(confirmed, report);
  };
  const confirmed = (): void => {
    subscribed = true;
    sync();
  };
  const onSubscriberClose = (): void => {
    subscribed = false;
  };

  const unsubscribers = [box.on('stateChange', onStateChange)];
  try {
    const steering = [box.on('reset', onSteer('reset'))];
    try {
      steering.push(box.on('isolate', onSteer('isolate')));
    } catch (error) {
      for (const unsubscribe of steering) unsubscribe();
      throw error;
    }
    unsubscribers.push(...steering);
  } catch {
    // A box from a copy of breakerbox without these events: there, only changes of state are shared.
    steeringEvents = false;
  }
  subscriber.on('message', onMessage);
  subscriber.on('ready', onSubscriberReady);
  subscriber.on('close', onSubscriberClose);
  client.on('ready', sync);
  addSubscription(subscriber, channel).then(confirmed, report);
  connectIfLazy(client);

  return () => {
    if (stopped) return;
    stopped = true;
    for (const unsubscribe of unsubscribers) unsubscribe();
    subscriber.off('message', onMessage);
    subscriber.off('ready', onSubscriberReady);
    subscriber.off('close', onSubscriberClose);
    client.off('ready', sync);
    removeSubscription(subscriber, channel);
    unsent.clear();
  };
}

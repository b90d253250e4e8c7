import type { OpenSignal, SignalTime, StateSignal } from './signal.js';

type ResetSignal = Extract<OpenSignal, { kind: 'reset' }>;

/**
 * What one replica knows of an origin: the latest reset it heard of, the open or isolate said
 * since, and the opens that `state` outweighs (an isolate, or an open that ends later), so a
 * reset said between them, arriving late, undoes `state` and leaves the best of them standing.
 */
interface Word {
  readonly reset: ResetSignal | undefined;
  readonly state: StateSignal | undefined;
  /** The outweighed opens no other one both follows and outlasts (the only ones a reset could leave best), said earliest first. */
  readonly shadowed?: readonly OpenWord[] | undefined;
}

type OpenWord = Extract<OpenSignal, { kind: 'open' }>;

/** Outweighed opens kept per origin at most: with opens of one length there is only ever one. */
const MAX_SHADOWED = 8;

/** `front` with `open` added, unless an open said after it that ends no sooner is there already; opens it both follows and outlasts go. */
function shadow(front: readonly OpenWord[] | undefined, open: OpenWord | undefined): readonly OpenWord[] | undefined {
  if (open === undefined) return front;
  if (front?.some((kept) => !saidAfter(open, kept) && kept.until >= open.until)) return front;
  const kept = (front ?? []).filter((other) => saidAfter(other, open) || other.until > open.until);
  kept.push(open);
  kept.sort((a, b) => (saidAfter(a, b) ? 1 : -1));
  return kept.length > MAX_SHADOWED ? kept.slice(kept.length - MAX_SHADOWED) : kept;
}

/** After a reset: the outweighed opens said after it, and of those the one that ends last, which stands now. */
function afterReset(front: readonly OpenWord[] | undefined, reset: ResetSignal): { best: OpenWord | undefined; rest: readonly OpenWord[] | undefined } {
  const survivors = (front ?? []).filter((open) => saidAfter(open, reset));
  if (survivors.length === 0) return { best: undefined, rest: undefined };
  const best = survivors.reduce((a, b) => (b.until > a.until ? b : a));
  const rest = survivors.filter((open) => open !== best);
  return { best, rest: rest.length === 0 ? undefined : rest };
}

/**
 * How a signal heard compares with what is known of its origin:
 * - `'newer'`: it changes what the origin should be here (apply it);
 * - `'known'`: the word already known, heard again;
 * - `'stale'`: this replica knows more (a reset said after it, an isolate while it is an
 *   open, an open that ends later): ignore it, and tell the others what is known.
 */
export type Judgement = 'newer' | 'known' | 'stale';

/** Whether `a` was said after `b`: by `at`, ties broken by replica id, so every replica orders them alike. */
export function saidAfter(a: SignalTime, b: SignalTime): boolean {
  return a.at > b.at || (a.at === b.at && a.from > b.from);
}

/** The reset an open or isolate says it was said after, as a signal of its own. */
export function resetNamedBy(signal: OpenSignal): OpenSignal | undefined {
  if (signal.kind === 'reset' || signal.since === undefined) return undefined;
  return { v: 1, from: signal.since.from, origin: signal.origin, at: signal.since.at, kind: 'reset' };
}

/** Between two words said since the last reset: an isolate outweighs any open; of two opens, the one that ends later. */
function outweighs(incoming: StateSignal, standing: StateSignal): boolean {
  if (standing.kind === 'isolate') return incoming.kind === 'isolate' && saidAfter(incoming, standing);
  return incoming.kind === 'isolate' || incoming.until > standing.until;
}

/**
 * The latest word per origin that this replica said or heard, so that signals arriving
 * late or out of order (a replica back from a partition repeating what it knew, a key read
 * older than a message) never undo a newer one: a reset undoes only what was said before
 * it. Bounded: when full, words that no longer hold go first, then the oldest, down to 90 %.
 *
 * @example
 * ```ts
 * const words = new OriginWords(10_000);
 * words.hear(isolateSaidAt1); // 'newer'
 * words.hear(resetSaidAt2); // 'newer'
 * words.hear(isolateSaidAt1); // 'stale': said before the reset
 * ```
 */
export class OriginWords {
  readonly #words = new Map<string, Word>();
  readonly #max: number;

  /** @param max - Origins remembered at most. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Origins with a word, oldest first. */
  origins(): IterableIterator<string> {
    return this.#words.keys();
  }

  /** When the latest word known for `origin` was said, or 0. */
  lastAt(origin: string): number {
    const word = this.#words.get(origin);
    return Math.max(word?.reset?.at ?? 0, word?.state?.at ?? 0);
  }

  /** The latest reset known for `origin`, for the next word said to name. */
  lastReset(origin: string): SignalTime | undefined {
    const reset = this.#words.get(origin)?.reset;
    return reset === undefined ? undefined : { at: reset.at, from: reset.from };
  }

  /** The word to put back in the origin's key: the open or isolate in force (naming the last reset known), else the last reset. */
  latest(origin: string): OpenSignal | undefined {
    const word = this.#words.get(origin);
    const state = word?.state;
    if (state === undefined) return word?.reset;
    const reset = word!.reset;
    if (reset === undefined || (state.since !== undefined && !saidAfter(reset, state.since))) return state;
    return { ...state, since: { at: reset.at, from: reset.from } };
  }

  /** This replica said `signal` (with an `at` after {@link lastAt}): it is the origin's word now. */
  said(signal: OpenSignal, holds: (signal: OpenSignal) => boolean): void {
    const word = this.#words.get(signal.origin);
    this.#set(signal.origin, signal.kind === 'reset' ? { reset: signal, state: undefined } : { reset: word?.reset, state: signal, shadowed: word?.shadowed }, holds);
  }

  /** Judge a signal heard (a message, or a key read) against what is known, and remember it if it says more. */
  hear(signal: OpenSignal, holds: (signal: OpenSignal) => boolean): Judgement {
    const word = this.#words.get(signal.origin);
    const latest = word?.state ?? word?.reset;
    if (latest !== undefined && latest.at === signal.at && latest.from === signal.from && latest.kind === signal.kind) return 'known';
    const standing = word?.state;
    if (signal.kind === 'reset') {
      // Older than the last reset known: what we know says more.
      if (word?.reset !== undefined && !saidAfter(signal, word.reset)) return 'stale';
      // The latest reset either way; it undoes only what was said before it, and an open the
      // state outweighed but that was said after the reset stands again.
      const undoes = standing === undefined || saidAfter(signal, standing);
      const { best, rest } = afterReset(word?.shadowed, signal);
      this.#set(signal.origin, undoes ? { reset: signal, state: best, shadowed: rest } : { reset: signal, state: standing, shadowed: shadow(rest, best) }, holds);
      return undoes ? 'newer' : 'stale';
    }
    if (word?.reset !== undefined && saidAfter(word.reset, signal)) return 'stale';
    if (standing !== undefined && !outweighs(signal, standing)) {
      if (signal.kind === 'open') this.#set(signal.origin, { reset: word?.reset, state: standing, shadowed: shadow(word?.shadowed, signal) }, holds);
      return 'stale';
    }
    const shadowed = shadow(word?.shadowed, standing?.kind === 'open' ? standing : undefined);
    this.#set(signal.origin, { reset: word?.reset, state: signal, shadowed }, holds);
    return 'newer';
  }

  /**
   * Forget what no longer holds: an open that ended, an isolate reset since (the reset it
   * was said after is kept while it holds: it still orders late words), a reset past `holds`.
   */
  prune(holds: (signal: OpenSignal) => boolean): void {
    for (const [origin, found] of this.#words) {
      let word = found;
      // A shadowed open is not in force here (what outweighs it is): it holds while it has not ended.
      const now = Date.now();
      if (word.shadowed?.some((open) => open.until <= now)) {
        const running = word.shadowed.filter((open) => open.until > now);
        this.#words.set(origin, (word = { reset: word.reset, state: word.state, shadowed: running.length === 0 ? undefined : running }));
      }
      if (word.state !== undefined && holds(word.state)) continue;
      if (word.reset !== undefined && holds(word.reset)) {
        if (word.state !== undefined) this.#words.set(origin, { reset: word.reset, state: undefined });
      } else {
        this.#words.delete(origin);
      }
    }
  }

  #set(origin: string, word: Word, holds: (signal: OpenSignal) => boolean): void {
    // Re-inserted, so the Map's order is the order words were last changed in.
    this.#words.delete(origin);
    if (this.#words.size >= this.#max) {
      // Down to 90 % at once, so a flood of new origins pays one scan per tenth of the bound, not one per origin.
      this.prune(holds);
      const keep = Math.floor(this.#max * 0.9);
      for (const oldest of this.#words.keys()) {
        if (this.#words.size <= keep) break;
        this.#words.delete(oldest);
      }
    }
    this.#words.set(origin, word);
  }
}

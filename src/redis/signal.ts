/**
 * What replicas tell each other about one origin, as JSON on the pub/sub channel and as
 * the value of the origin's key. Times are wall-clock epoch ms (`Date.now()`), the one
 * clock replicas on different machines roughly share. `at` is when the word was said: a
 * reset undoes only what was said before it, so a word repeated late (by a replica that
 * was away) cannot undo a newer reset.
 * - `open`: refuse until `until`, then probe locally;
 * - `isolate`: refuse until a `reset`;
 * - `reset`: back to closed, now.
 *
 * An open or isolate also names the latest reset its sender knew of (`since`), so a key
 * that an open overwrote still remembers the reset, and a replica that missed the reset
 * learns it from the word said after it.
 */
export type OpenSignal =
  | { v: 1; from: string; origin: string; at: number; kind: 'open'; until: number; since?: SignalTime }
  | { v: 1; from: string; origin: string; at: number; kind: 'isolate'; since?: SignalTime }
  | { v: 1; from: string; origin: string; at: number; kind: 'reset' };

/** An open or an isolate: what a reset undoes. */
export type StateSignal = Extract<OpenSignal, { kind: 'open' | 'isolate' }>;

/** When, and by which replica, a word was said: what orders words. */
export interface SignalTime {
  at: number;
  from: string;
}

/** The Redis names one sharing uses, all under its prefix. */
export interface SignalNames {
  /** The pub/sub channel. */
  channel: string;
  /** The prefix of the per-origin keys (the origin follows it). */
  keyPrefix: string;
  /** A `SCAN MATCH` pattern for every per-origin key, the client's own `keyPrefix` included. */
  keyPattern: string;
}

/** `clientPrefix`: the ioredis client's `keyPrefix` option, which it adds to keys but not to SCAN's pattern. */
export function signalNames(prefix: string, clientPrefix = ''): SignalNames {
  const keyPrefix = `${prefix}open:`;
  // SCAN's MATCH is a glob: a prefix with *, ?, [ or \ in it must match literally.
  return { channel: `${prefix}open-state`, keyPrefix, keyPattern: `${(clientPrefix + keyPrefix).replace(/[*?[\]\\]/g, '\\$&')}*` };
}

/**
 * What a replica says once it has read the keys on start: replicas holding an open or
 * isolate whose key Redis lost since (an eviction, with nobody reconnecting) write it back,
 * so the newcomer hears it.
 */
export interface HelloSignal {
  v: 1;
  from: string;
  kind: 'hello';
}

/** The replica id of a hello message, or `undefined` for any other message. */
export function parseHello(text: string): string | undefined {
  if (!text.includes('"hello"')) return undefined;
  try {
    const { v, from, kind } = JSON.parse(text) as Record<string, unknown>;
    return v === 1 && kind === 'hello' && typeof from === 'string' ? from : undefined;
  } catch {
    return undefined;
  }
}

/** An origin's longest text we accept from the wire (an origin is scheme, host and port). */
const MAX_ORIGIN_LENGTH = 2048;

/** Parse a message or key value, or `undefined` for anything that is not a signal of this version. */
export function parseSignal(text: string): OpenSignal | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, from, origin, at, kind, until, since } = value as Record<string, unknown>;
  if (v !== 1 || typeof from !== 'string' || typeof origin !== 'string' || origin.length > MAX_ORIGIN_LENGTH) return undefined;
  if (typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  if (kind === 'reset') return { v, from, origin, at, kind };
  const reset = parseTime(since);
  let state: StateSignal | undefined;
  if (kind === 'isolate') state = { v, from, origin, at, kind };
  else if (kind === 'open' && typeof until === 'number' && Number.isFinite(until)) state = { v, from, origin, at, kind, until };
  return state === undefined || reset === undefined ? state : { ...state, since: reset };
}

function parseTime(value: unknown): SignalTime | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { at, from } = value as Record<string, unknown>;
  return typeof at === 'number' && Number.isFinite(at) && typeof from === 'string' ? { at, from } : undefined;
}

/**
 * Option checks. Each throws a `TypeError` (wrong type) or `RangeError` (right type,
 * wrong value) whose message names the option path, the rule and the value received,
 * as p-retry and cockatiel do.
 */

/** Render a received value for an error message without dumping whole objects. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function assertObject(path: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw new TypeError(`${path} must be a plain object, got ${show(value)}`);
}

/** Catches misspelt options (`failureTreshold`), which would otherwise be silently ignored. */
export function assertKnownKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${path}.${key} is not a known option (known: ${known.join(', ')}), got ${show(value[key])}`);
    }
  }
}

function assertNumber(path: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${path} must be a number, got ${show(value)}`);
}

/** An integer >= `min`; `Infinity` too when `allowInfinity`. */
export function assertInteger(path: string, value: unknown, min: number, allowInfinity = false): asserts value is number {
  assertNumber(path, value);
  const ok = (Number.isInteger(value) || (allowInfinity && value === Infinity)) && value >= min;
  if (!ok) throw new RangeError(`${path} must be an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}, got ${show(value)}`);
}

/** A duration in ms: finite and > 0, or `Infinity` when `allowInfinity`. */
export function assertDuration(path: string, value: unknown, allowInfinity = false): asserts value is number {
  assertNumber(path, value);
  const ok = value > 0 && (allowInfinity || Number.isFinite(value));
  if (!ok) throw new RangeError(`${path} must be a number of milliseconds > 0${allowInfinity ? ' (or Infinity)' : ''}, got ${show(value)}`);
}

/** A ratio in (0, 1]. */
export function assertRatio(path: string, value: unknown): asserts value is number {
  assertNumber(path, value);
  if (!(value > 0 && value <= 1)) throw new RangeError(`${path} must be a ratio > 0 and <= 1, got ${show(value)}`);
}

export function assertBoolean(path: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${path} must be a boolean, got ${show(value)}`);
}

export function assertFunction(path: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${path} must be a function, got ${show(value)}`);
}

export function assertOneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${path} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
  }
}

/** An HTTP status a `Response` can carry: an integer in 200-599. */
export function assertStatus(path: string, value: unknown): asserts value is number {
  assertNumber(path, value);
  if (!Number.isInteger(value) || value < 200 || value > 599) {
    throw new RangeError(`${path} must be an integer HTTP status from 200 to 599, got ${show(value)}`);
  }
}

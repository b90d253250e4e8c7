import type { HeadersLike } from '../core/types.js';

/** Header pairs with lower-case names: a copy that never changes, built without the global `Headers`. */
export type HeaderPairs = [string, string][];

/**
 * Copy any {@link HeadersLike} (a fetch `Headers`, an `AxiosHeaders`, a plain object, pairs)
 * into lower-case pairs, as they are now. Taken at call time, so a caller that changes its
 * headers object while the request runs cannot change what the cache stores or under
 * which key; and built without `new Headers()`, which a page or test may have replaced.
 */
export function headerPairs(headers: HeadersLike | undefined): HeaderPairs {
  const pairs: HeaderPairs = [];
  if (headers === undefined || headers === null) return pairs;
  const object = headers as { toJSON?: unknown; forEach?: unknown; get?: unknown };
  if (typeof object.toJSON === 'function' && typeof object.get === 'function') {
    // AxiosHeaders: toJSON() gives a plain object of its current values.
    return headerPairs((headers as unknown as { toJSON(): Record<string, string> }).toJSON());
  }
  if (typeof object.forEach === 'function' && typeof object.get === 'function') {
    (headers as unknown as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) => pairs.push([key.toLowerCase(), String(value)]));
    return pairs;
  }
  if (Symbol.iterator in headers) {
    for (const [key, value] of headers as Iterable<readonly [string, string]>) pairs.push([String(key).toLowerCase(), String(value)]);
    return pairs;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    pairs.push([key.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)]);
  }
  return pairs;
}

/** The value of `name` (lower case) in pairs, several joined with `, ` as fetch does. */
export function pairValue(pairs: HeaderPairs, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of pairs) if (key === name) found = found === undefined ? value : `${found}, ${value}`;
  return found;
}

import type { HeadersLike } from '../core/types.js';

/**
 * Read one header, case-insensitively, from a fetch `Headers`, an `AxiosHeaders` or a
 * plain object. Multiple values are joined with `, ` as fetch does.
 */
export function readHeader(headers: HeadersLike | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): unknown }).get(name);
    return value === null || value === undefined ? undefined : String(value);
  }
  if (Symbol.iterator in headers) {
    for (const [key, value] of headers as Iterable<readonly [string, string]>) if (key.toLowerCase() === name) return value;
    return undefined;
  }
  const record = headers as Record<string, unknown>;
  for (const key in record) {
    if (key.toLowerCase() !== name) continue;
    const value = record[key];
    if (value === undefined || value === null) return undefined;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }
  return undefined;
}

/** Copy any {@link HeadersLike} into a fetch `Headers`. */
export function toHeaders(headers: HeadersLike | undefined): Headers {
  if (headers instanceof Headers) return new Headers(headers);
  const result = new Headers();
  if (headers === undefined || headers === null) return result;
  if (typeof (headers as { toJSON?: unknown }).toJSON === 'function') {
    // AxiosHeaders: toJSON() gives a plain object of its current values.
    return toHeaders((headers as unknown as { toJSON(): Record<string, string> }).toJSON());
  }
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
    (headers as unknown as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) => result.append(key, value));
    return result;
  }
  if (Symbol.iterator in headers) {
    for (const [key, value] of headers as Iterable<readonly [string, string]>) result.append(key, value);
    return result;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) result.append(key, String(item));
    else result.append(key, String(value));
  }
  return result;
}

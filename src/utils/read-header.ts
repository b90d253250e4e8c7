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

import type { CachedResponse, CacheFallbackOptions, HeadersLike } from '../core/types.js';
import { readHeader, toHeaders } from '../utils/read-header.js';

/**
 * The rules of the cached fallback, after RFC 9111 where it applies to a private,
 * in-process cache used only when the host is unreachable:
 * - only GET and HEAD, only 2xx but 206 (replaying an old write, an old error or a part is wrong);
 * - never `Cache-Control: no-store`, on the request or the response;
 * - never `Vary: *`; other `Vary` request headers must match on replay;
 * - a request with `Authorization` or `Cookie` is cached only with `cache.private`,
 *   and then keyed by a hash of those headers, so it is served back to the same
 *   credentials only.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-3
 */

const NO_STORE = /(?:^|,)\s*no-store\s*(?:,|$)/i;

/** Headers that describe the original transfer, not the content; they would lie on a replay. */
const NOT_REPLAYED = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie', 'age', 'x-breakerbox-fallback']);

export function isCacheableMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The request-side checks: may a response to this request be stored or served? */
export function requestAllowsCache(method: string, requestHeaders: HeadersLike | undefined, cache: Required<CacheFallbackOptions>): boolean {
  if (!isCacheableMethod(method)) return false;
  if (NO_STORE.test(readHeader(requestHeaders, 'cache-control') ?? '')) return false;
  return cache.private || !hasCredentials(requestHeaders);
}

/** The response-side checks, before its body is read. */
export function responseIsStorable(status: number, headers: HeadersLike, cache: Required<CacheFallbackOptions>): boolean {
  // 206 is a part of the body: replaying it as the whole would corrupt the caller's data.
  if (status < 200 || status > 299 || status === 206) return false;
  if (NO_STORE.test(readHeader(headers, 'cache-control') ?? '')) return false;
  if (varyNames(headers) === undefined) return false;
  const length = Number(readHeader(headers, 'content-length'));
  return !(length > cache.maxBodyBytes);
}

function hasCredentials(headers: HeadersLike | undefined): boolean {
  return readHeader(headers, 'authorization') !== undefined || readHeader(headers, 'cookie') !== undefined;
}

/** Lower-case request header names from `Vary`, or `undefined` for `Vary: *` (never matches). */
export function varyNames(headers: HeadersLike): string[] | undefined {
  const vary = readHeader(headers, 'vary');
  if (vary === undefined) return [];
  const names = vary.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  return names.includes('*') ? undefined : names;
}

/**
 * The cache key: method and URL without its fragment, plus a SHA-256 of the credentials
 * when there are any. `undefined` when credentials are present but cannot be hashed
 * (no Web Crypto, e.g. a page served over plain http): then nothing is cached.
 */
export async function cacheKey(method: string, url: string, requestHeaders: HeadersLike | undefined): Promise<string | undefined> {
  const base = `${method} ${stripFragment(url)}`;
  const authorization = readHeader(requestHeaders, 'authorization');
  const cookie = readHeader(requestHeaders, 'cookie');
  if (authorization === undefined && cookie === undefined) return base;
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return undefined;
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(`${authorization ?? ''}\n${cookie ?? ''}`));
  return `${base}\n${toHex(new Uint8Array(digest))}`;
}

/** The key when the request carries no credentials, computed without a promise. */
export function plainCacheKey(method: string, url: string, requestHeaders: HeadersLike | undefined): string | undefined {
  return hasCredentials(requestHeaders) ? undefined : `${method} ${stripFragment(url)}`;
}

function stripFragment(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Build the entry to store: headers worth replaying, and the request's values of the `Vary` headers. */
export function toCachedResponse(
  status: number,
  statusText: string,
  headers: HeadersLike,
  body: Uint8Array | null,
  requestHeaders: HeadersLike | undefined,
  storedAt: number,
): CachedResponse {
  const pairs: [string, string][] = [];
  toHeaders(headers).forEach((value, name) => {
    if (!NOT_REPLAYED.has(name)) pairs.push([name, value]);
  });
  const previousAge = Number(readHeader(headers, 'age'));
  const vary = (varyNames(headers) ?? []).map((name): [string, string] => [name, readHeader(requestHeaders, name) ?? '']);
  // An Age the origin (or a CDN) already reported is carried forward by back-dating the entry.
  const ageMs = Number.isFinite(previousAge) && previousAge > 0 ? previousAge * 1000 : 0;
  return { status, statusText, headers: pairs, body, storedAt: storedAt - ageMs, vary };
}

/** Whether a stored entry may answer this request: same `Vary` values, not older than `maxStale`. */
export function entryMatches(entry: CachedResponse, requestHeaders: HeadersLike | undefined, now: number, maxStale: number): boolean {
  if (now - entry.storedAt > maxStale) return false;
  for (const [name, value] of entry.vary) if ((readHeader(requestHeaders, name) ?? '') !== value) return false;
  return true;
}

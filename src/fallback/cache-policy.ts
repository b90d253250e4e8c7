import type { CachedResponse, CacheKeyRequest, HeadersLike } from '../core/types.js';
import { type HeaderPairs, headerPairs, pairValue } from '../utils/header-pairs.js';

/**
 * The rules of the cached fallback. In a server calling APIs for many users the cache is a
 * shared cache, so RFC 9111's rules for shared caches apply, tightened for a cache that is
 * only ever read when the host cannot answer:
 * - only GET and HEAD, only 2xx but 206 (replaying an old write, an old error or a part is wrong);
 * - never `no-store` (request or response `Cache-Control`, or fetch's `cache: 'no-store'`);
 * - never `Vary: *`; other `Vary` request headers must match on replay;
 * - a request carrying credentials (`Authorization`, `Cookie`, `Proxy-Authorization`, and
 *   `cache.credentialHeaders`), or a response that is `private` or sets a cookie, is stored
 *   only with `cache.private`, keyed by a hash of every credential, so it is served back
 *   to the same credentials only;
 * - `cache.key` adds a partition (a session, a tenant) to every key; `undefined` opts out.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-3.5
 */

/** The cache options after defaults, as the rules read them. */
export interface CacheRules {
  maxStale: number;
  private: boolean;
  maxBodyBytes: number;
  /** Lower-case names of every request header that identifies a user. */
  credentialHeaders: readonly string[];
  key: ((request: CacheKeyRequest) => string | undefined) | undefined;
  /** Longest wait in ms for an async store's answer; past it, a miss (`Infinity`: no bound). */
  lookupTimeout: number;
}

/** What the cache knows of a request: read once, when the call was made. */
export interface CacheRequest {
  readonly method: string;
  readonly url: string;
  /** The request headers as they were when the call was made. */
  readonly headers: HeaderPairs;
  /** fetch's `RequestInit.cache` / `Request.cache`, when the client has one. */
  readonly mode: string | undefined;
}

/** Always credentials, whatever `cache.credentialHeaders` adds. */
export const DEFAULT_CREDENTIAL_HEADERS: readonly string[] = Object.freeze(['authorization', 'cookie', 'proxy-authorization']);

const NO_STORE = /(?:^|,)\s*no-store\s*(?:[,=]|$)/i;
const PRIVATE = /(?:^|,)\s*private\s*(?:[,=]|$)/i;

/** Headers that describe the original transfer or one user's session, not the content; they would lie on a replay. */
const NOT_REPLAYED = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie', 'age', 'x-breakerbox-fallback']);

const encoder = new TextEncoder();

/** Snapshot what the cache needs of a request, at call time. */
export function cacheRequest(method: string, url: string, headers: HeadersLike | undefined, mode: string | undefined): CacheRequest {
  return { method, url: stripFragment(url), headers: headerPairs(headers), mode };
}

export function isCacheableMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The request-side checks: may a response to this request be stored or served at all? */
export function requestAllowsCache(request: CacheRequest, rules: CacheRules): boolean {
  if (!isCacheableMethod(request.method) || request.mode === 'no-store') return false;
  if (NO_STORE.test(pairValue(request.headers, 'cache-control') ?? '')) return false;
  return rules.private || credentialsOf(request, rules) === undefined;
}

/** The response-side checks, before its body is read. */
export function responseIsStorable(status: number, headers: HeaderPairs, rules: CacheRules): boolean {
  // 206 is a part of the body: replaying it as the whole would corrupt the caller's data.
  if (status < 200 || status > 299 || status === 206) return false;
  const cacheControl = pairValue(headers, 'cache-control') ?? '';
  if (NO_STORE.test(cacheControl)) return false;
  // Meant for one user: a shared cache must not keep it (RFC 9111 §5.2.2.7), unless told the cache is per user.
  if (!rules.private && (PRIVATE.test(cacheControl) || pairValue(headers, 'set-cookie') !== undefined)) return false;
  if (varyNames(headers) === undefined) return false;
  const length = Number(pairValue(headers, 'content-length'));
  return !(length > rules.maxBodyBytes);
}

/** The credential values of a request, one line per name, or `undefined` when it carries none. */
function credentialsOf(request: CacheRequest, rules: CacheRules): string | undefined {
  let found: string | undefined;
  for (const name of rules.credentialHeaders) {
    const value = pairValue(request.headers, name);
    if (value !== undefined) found = `${found ?? ''}${name}:${value}\n`;
  }
  return found;
}

/** Lower-case request header names from `Vary`, or `undefined` for `Vary: *` (never matches). */
export function varyNames(headers: HeaderPairs): string[] | undefined {
  const vary = pairValue(headers, 'vary');
  if (vary === undefined) return [];
  const names = vary.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  return names.includes('*') ? undefined : names;
}

/**
 * The cache key: method and URL without its fragment, the `cache.key` partition, and a
 * SHA-256 of the credentials when there are any (so only a hash of a secret is ever kept).
 * Synchronous when there are no credentials; `undefined` when the request must not use
 * the cache (the partition declined, or credentials with no Web Crypto to hash them).
 */
export function cacheKey(request: CacheRequest, rules: CacheRules): string | undefined | Promise<string | undefined> {
  let base = `${request.method} ${request.url}`;
  if (rules.key !== undefined) {
    const partition = rules.key({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
    if (partition === undefined) return undefined;
    if (typeof partition !== 'string') throw new TypeError(`fallback.cache.key must return a string or undefined, got ${typeof partition}`);
    base = `${base}\npartition:${partition}`;
  }
  const credentials = credentialsOf(request, rules);
  if (credentials === undefined) return base;
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) return undefined;
  return subtle.digest('SHA-256', encoder.encode(credentials)).then((digest) => `${base}\n${toHex(new Uint8Array(digest))}`);
}

/** The key a HEAD may also be answered from: the GET's, without its body. */
export function getKeyFor(headKey: string): string {
  return `GET${headKey.slice(4)}`;
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
export function toCachedResponse(status: number, statusText: string, headers: HeaderPairs, body: Uint8Array | null, request: CacheRequest, storedAt: number): CachedResponse {
  const pairs: [string, string][] = [];
  for (const pair of headers) if (!NOT_REPLAYED.has(pair[0])) pairs.push(pair);
  const previousAge = Number(pairValue(headers, 'age'));
  const vary = (varyNames(headers) ?? []).map((name): [string, string] => [name, pairValue(request.headers, name) ?? '']);
  // An Age the origin (or a CDN) already reported is carried forward by back-dating the entry.
  const ageMs = Number.isFinite(previousAge) && previousAge > 0 ? previousAge * 1000 : 0;
  return { status, statusText, headers: pairs, body, storedAt: storedAt - ageMs, vary };
}

/** Whether a stored entry may answer this request: same `Vary` values, not older than `maxStale`. */
export function entryMatches(entry: CachedResponse, request: CacheRequest, now: number, maxStale: number): boolean {
  if (now - entry.storedAt > maxStale) return false;
  for (const [name, value] of entry.vary) if ((pairValue(request.headers, name) ?? '') !== value) return false;
  return true;
}

/** Bytes an entry keeps: its body, its headers and its key, as the store's `maxBytes` counts them. */
export function entrySize(key: string, entry: CachedResponse): number {
  let size = key.length + entry.statusText.length + (entry.body?.byteLength ?? 0);
  for (const [name, value] of entry.headers) size += name.length + value.length;
  for (const [name, value] of entry.vary) size += name.length + value.length;
  return size;
}

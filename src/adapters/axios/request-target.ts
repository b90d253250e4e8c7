import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import type { HeadersLike } from '../../core/types.js';
import { isPlainUrl } from '../../registry/origin-key.js';

/** What the breaker needs to know about an axios request: where it goes, and the headers it carries. */
export interface RequestTarget {
  /** The absolute URL the adapter will request, without userinfo. */
  url: string;
  /** The request headers, with the `Authorization` that `auth` or URL userinfo will add. */
  headers: HeadersLike;
}

/**
 * An instance with no defaults, so `getUri` reads the final config exactly as the
 * adapters do (`baseURL` + `url` + `params`) without merging any defaults in again: an
 * interceptor may have removed a default param on purpose.
 */
const bare = new axios.Axios({});
const encoder = new TextEncoder();

/**
 * The final URL and headers of a request, or `undefined` when it has no http(s) origin
 * (relative without `baseURL`, protocol-relative, `data:`): those go to the adapter
 * untouched, so axios raises its own error and no breaker is touched.
 */
export function requestTarget(config: InternalAxiosRequestConfig): RequestTarget | undefined {
  let url = plainFullUrl(config);
  const plain = url !== undefined;
  if (url === undefined) {
    try {
      url = bare.getUri(config);
    } catch {
      return undefined;
    }
  }
  let userinfo: string | undefined;
  if (!plain && !isPlainUrl(url)) {
    if (!URL.canParse(url)) return undefined;
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    if (parsed.username !== '' || parsed.password !== '') {
      userinfo = `${parsed.username}:${parsed.password}`;
      // Credentials stay out of the cache key and out of CircuitOpenError messages.
      parsed.username = '';
      parsed.password = '';
    }
    url = parsed.href;
  }
  const auth = config.auth === undefined ? userinfo : `${config.auth.username ?? ''}:${config.auth.password ?? ''}`;
  return { url, headers: auth === undefined ? config.headers : withAuthorization(config.headers, auth) };
}

const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The final URL of the common request, with no `params`, computed the way axios's
 * `buildFullPath` does (`baseURL` joined with a relative `url`), without `getUri()`:
 * its `mergeConfig` cost about 13 µs of CPU per request (bench P4). Anything else
 * (params, non-string URLs, a result that is not a plain http(s) URL) returns
 * `undefined` and takes `getUri()`; a test holds the two equal.
 */
export function plainFullUrl(config: Pick<InternalAxiosRequestConfig, 'url' | 'baseURL' | 'params' | 'allowAbsoluteUrls'>): string | undefined {
  const { url, baseURL, params } = config;
  if (typeof url !== 'string' || (baseURL !== undefined && typeof baseURL !== 'string')) return undefined;
  if (params !== undefined && params !== null) return undefined;
  let full = url;
  if (baseURL && (!ABSOLUTE.test(url) || config.allowAbsoluteUrls === false)) {
    let end = baseURL.length;
    while (end > 0 && baseURL.charCodeAt(end - 1) === 47) end--;
    full = url === '' ? baseURL : `${baseURL.slice(0, end)}/${url.replace(/^\/+/, '')}`;
  }
  return isPlainUrl(full) ? full : undefined;
}

/**
 * @note The adapters turn `auth` into an `Authorization` header only when sending, so
 * the fallback cache must be told: a response to a request with credentials is never
 * served to another caller (unless `cache.private`, which keys by them).
 */
function withAuthorization(headers: InternalAxiosRequestConfig['headers'], credentials: string): HeadersLike {
  const authorization = `Basic ${btoa(String.fromCharCode(...encoder.encode(credentials)))}`;
  const plain = Object.entries(headers.toJSON() as Record<string, unknown>).filter(([name]) => name.toLowerCase() !== 'authorization');
  return [...plain.map(([name, value]): [string, string] => [name, String(value)]), ['authorization', authorization]];
}

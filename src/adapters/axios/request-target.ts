import axios from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import type { HeadersLike } from '../../core/types.js';
import { fastOrigin } from '../../registry/origin-key.js';

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
  let url: string;
  try {
    url = bare.getUri(config);
  } catch {
    return undefined;
  }
  let userinfo: string | undefined;
  if (fastOrigin(url) === undefined) {
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

/**
 * @note The adapters turn `auth` into an `Authorization` header only when sending, so
 * the fallback cache must be told: a response to a request with credentials is never
 * served to another caller (unless `cache.private`, which keys by them).
 */
function withAuthorization(headers: InternalAxiosRequestConfig['headers'], credentials: string): HeadersLike {
  const authorization = `Basic ${btoa(String.fromCharCode(...encoder.encode(credentials)))}`;
  return {
    get: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : (headers.get(name) as string | undefined)),
  };
}

import type { InternalAxiosRequestConfig } from 'axios';

/**
 * axios errors that are the caller's own doing, not the host's: a bad option, a size limit
 * the caller set, a redirect limit or hook, a request body that failed. Counting them
 * against the origin would open a healthy host's breaker (seen in axios' own test suite).
 */
const CLIENT_CODES = new Set(['ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION', 'ERR_NOT_SUPPORT', 'ERR_INVALID_URL', 'ERR_DEPRECATED', 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED', 'ERR_FR_TOO_MANY_REDIRECTS']);
/** axios reports both size limits with a generic code; only the message names them. */
const LIMIT_MESSAGE = /\bmax(?:ContentLength|BodyLength)\b/;

/** Marks the attempt's hooks and body so their own failures are recognised afterwards. */
export interface ClientFaults {
  /** Whether `error` came from the caller's side of the request. */
  caused(error: unknown): boolean;
}

/**
 * Watch an attempt's config (a copy: the caller's stays as it was) for failures of the
 * caller's own making: `beforeRedirect` is wrapped so a throw is seen, and a request body
 * stream's own error is read from it afterwards.
 */
export function watchClientFaults(attempt: InternalAxiosRequestConfig): ClientFaults {
  /** What the caller's hooks threw during this attempt. */
  const thrown = new Set<unknown>();
  const hook = attempt.beforeRedirect as ((...args: unknown[]) => unknown) | undefined;
  if (typeof hook === 'function') {
    (attempt as { beforeRedirect?: unknown }).beforeRedirect = (...args: unknown[]) => {
      try {
        return hook(...args);
      } catch (error) {
        thrown.add(error);
        throw error;
      }
    };
  }
  const data = attempt.data as { pipe?: unknown; errored?: unknown } | undefined;
  return {
    caused(error) {
      if (typeof error !== 'object' || error === null) return false;
      // A request body stream (a file that is not there) that failed: Node keeps its error on `errored`.
      if (typeof data === 'object' && data !== null && typeof data.pipe === 'function' && data.errored) return true;
      // follow-redirects wraps a hook's throw as ERR_FR_REDIRECTION_FAILURE, without the original.
      if (thrown.size > 0) return true;
      const { code, message } = error as { code?: unknown; message?: unknown };
      if (typeof code === 'string' && CLIENT_CODES.has(code)) return true;
      return typeof message === 'string' && LIMIT_MESSAGE.test(message);
    },
  };
}

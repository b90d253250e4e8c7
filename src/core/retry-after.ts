import type { HeadersLike } from './types.js';
import { readHeader } from '../utils/read-header.js';

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
// Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day name. Checking it
// first matters: V8's Date.parse accepts '1.5' and '-1' as dates.
const HTTP_DATE = /^\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i;

/**
 * Milliseconds a `Retry-After` header asks to wait, or `undefined` when it is absent or
 * malformed (`-1`, `1.5`, `soon`). Accepts delay-seconds and an HTTP-date; a date is
 * measured against the response's own `Date` header when there is one, so a skewed
 * local clock does not stretch or shrink it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(headers: HeadersLike | undefined, now: number): number | undefined {
  const value = readHeader(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = DELAY_SECONDS.exec(value);
  if (seconds) return Number(seconds[1]) * 1000;
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const serverDate = Date.parse(readHeader(headers, 'date') ?? '');
  const reference = Number.isNaN(serverDate) ? now : serverDate;
  return Math.max(0, at - reference);
}

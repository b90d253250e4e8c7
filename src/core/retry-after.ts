import type { HeadersLike } from './types.js';
import { readHeader } from '../utils/read-header.js';

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
/**
 * RFC 9110's three HTTP-date forms, and nothing else: V8's Date.parse also takes '1.5',
 * '-1' and JavaScript's own `Sun Nov 06 1994 08:49:37 GMT`, none of which a server means.
 */
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
const HTTP_DATES = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`),
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
  new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`),
  // asctime: Sun Nov  6 08:49:37 1994
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?: \\d|\\d{2}) ${TIME} \\d{4}$`),
];

/**
 * Milliseconds a `Retry-After` header asks to wait, or `undefined` when it is absent or
 * malformed (`-1`, `1.5`, `soon`). Accepts delay-seconds and RFC 9110's three HTTP-date
 * forms (an asctime date is read as GMT, as the RFC says); a date is
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
  const date = value.trim();
  if (!HTTP_DATES.some((form) => form.test(date))) return undefined;
  const at = Date.parse(HTTP_DATES[2]!.test(date) ? `${date} GMT` : date);
  if (Number.isNaN(at)) return undefined;
  const serverDate = Date.parse(readHeader(headers, 'date') ?? '');
  const reference = Number.isNaN(serverDate) ? now : serverDate;
  return Math.max(0, at - reference);
}

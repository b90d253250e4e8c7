/**
 * The origin of a URL, as `new URL(url).origin` gives it, with a fast path for the
 * plain `http(s)://host[:port]/...` shape: the hot path must not pay for a full URL
 * parse (about 0.5 µs) on every request. Anything unusual (upper case, userinfo,
 * IPv6, IPv4 shorthands, percent-encoding, backslashes, odd ports) takes the WHATWG
 * parser, so both always agree. Returns `'null'` for URLs without an origin (`data:`).
 * Throws a `TypeError` for a URL that does not parse.
 */
export function toOrigin(url: string | URL): string {
  if (typeof url === 'string') return fastOrigin(url) ?? parseOrigin(url);
  if (url instanceof URL) return url.origin;
  return parseOrigin(String(url));
}

function parseOrigin(url: string): string {
  if (!URL.canParse(url)) throw new TypeError(`Failed to parse URL from ${url}`);
  return new URL(url).origin;
}

const SLASH = 47;
const QUESTION = 63;
const HASH = 35;
const COLON = 58;

/** The origin of a plain http(s) URL, or `undefined` to let the WHATWG parser decide. */
export function fastOrigin(url: string): string | undefined {
  // Char codes rather than startsWith('https://'): V8's startsWith costs more than this whole scan.
  const scheme = schemeLength(url);
  if (scheme === 0 || url.charCodeAt(scheme) !== SLASH || url.charCodeAt(scheme + 1) !== SLASH) return undefined;
  const start = scheme + 2;
  let end = start;
  let colon = -1;
  let lastDot = -1;
  for (; end < url.length; end++) {
    const c = url.charCodeAt(end);
    if (c === SLASH || c === QUESTION || c === HASH) break;
    if (c === COLON) {
      if (colon !== -1) return undefined;
      colon = end;
    } else if (colon !== -1) {
      if (c < 48 || c > 57) return undefined;
    } else if (c === 46) {
      lastDot = end;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) {
      return undefined;
    }
  }
  const hostEnd = colon === -1 ? end : colon;
  if (hostEnd === start) return undefined;
  // A last label starting with a digit may be an IPv4 form the parser rewrites (0x7f.1 → 127.0.0.1).
  const labelStart = lastDot === -1 ? start : lastDot + 1;
  if (labelStart === hostEnd) return undefined;
  const first = url.charCodeAt(labelStart);
  if (first >= 48 && first <= 57 && !isCanonicalIpv4(url, start, hostEnd)) return undefined;
  if (colon !== -1) {
    const port = url.slice(colon + 1, end);
    if (port.length === 0 || port.length > 5 || (port.length > 1 && port.charCodeAt(0) === 48) || Number(port) > 65535) return undefined;
    if ((scheme === 6 && port === '443') || (scheme === 5 && port === '80')) return url.slice(0, colon);
  }
  return end === url.length ? url : url.slice(0, end);
}

/**
 * The length of a leading `http:` (5) or `https:` (6), lower case as fetch normalises it;
 * 0 for any other scheme. Char codes, not startsWith(), which V8 runs as a slow builtin.
 */
export function schemeLength(url: string): number {
  if (url.charCodeAt(0) !== 104 || url.charCodeAt(1) !== 116 || url.charCodeAt(2) !== 116 || url.charCodeAt(3) !== 112) return 0;
  const c = url.charCodeAt(4);
  if (c === COLON) return 5;
  return c === 115 && url.charCodeAt(5) === COLON ? 6 : 0;
}

/**
 * Whether `url` belongs to `origin`, an origin this module returned: it starts with it,
 * followed by the end or `/`, `?`, `#`. The origin being canonical already, any other
 * spelling (a port, userinfo, upper case) fails the prefix or the delimiter check and
 * goes through {@link toOrigin} instead.
 */
export function hasOrigin(url: string, origin: string): boolean {
  const end = origin.length;
  if (url.length < end) return false;
  if (url.length > end) {
    const c = url.charCodeAt(end);
    if (c !== SLASH && c !== QUESTION && c !== HASH) return false;
  }
  // Not startsWith(): V8 runs it as a char-by-char builtin, measured at about twice the
  // cost of the whole admit + record with indexOf (bench/README.md).
  return url.indexOf(origin) === 0;
}

/**
 * Whether `url[start, end)` is `127.0.0.1`-style: four dot-separated decimal parts of 1-3
 * digits, no leading zero, each ≤ 255. `127.1`, `0x7f.0.0.1`, `010.0.0.1` and `1.2.3.256`
 * are not (the parser rewrites or rejects those). A scan in place, not `split('.')`, which
 * made a fetch of `http://127.0.0.1` pay ~1 µs per request for the host's four strings.
 */
function isCanonicalIpv4(url: string, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : url.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else {
      // A digit after a leading 0 (`010`), a fourth digit, or not a digit at all.
      if (c < 48 || c > 57 || (digits > 0 && value === 0) || digits === 3) return false;
      value = value * 10 + (c - 48);
      digits++;
    }
  }
  return parts === 4;
}

/**
 * The origin of the last plain URL {@link isPlainUrl} saw: a URL that starts with it is
 * plain too, and needs no scan (traffic mostly repeats an origin). It may be a slice that
 * keeps that one URL string alive, never more than one.
 */
let lastPlainOrigin: string | undefined;

/**
 * Whether {@link fastOrigin} knows `url`'s origin (a plain http(s) URL), checked against
 * the last origin seen first: the adapters ask this once per request.
 */
export function isPlainUrl(url: string): boolean {
  if (lastPlainOrigin !== undefined && hasOrigin(url, lastPlainOrigin)) return true;
  const origin = fastOrigin(url);
  if (origin === undefined) return false;
  lastPlainOrigin = origin;
  return true;
}

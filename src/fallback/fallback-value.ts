import type { FallbackResponse, FallbackValue } from '../core/types.js';

/** Statuses whose responses must have no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

const encoder = new TextEncoder();

/**
 * Turn a user's fallback value into a neutral response: strings and bytes as they are,
 * any other body as JSON (with `content-type: application/json` unless one is given).
 * Throws a `TypeError` for a body that cannot be sent, e.g. on a 204.
 */
export function buildValueResponse(value: FallbackValue, path: string): FallbackResponse {
  const status = value.status ?? 200;
  const headers: [string, string][] = [];
  let hasContentType = false;
  for (const [name, header] of Object.entries(value.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') hasContentType = true;
    headers.push([lower, header]);
  }
  const body = encodeBody(value.body, path, (type) => {
    if (!hasContentType) headers.push(['content-type', type]);
  });
  if (body !== null && NULL_BODY_STATUSES.has(status)) {
    throw new TypeError(`${path}.body must be null or undefined for status ${status}, got a body`);
  }
  headers.push(['x-breakerbox-fallback', 'value']);
  return Object.freeze({ status, statusText: '', headers: Object.freeze(headers), body, source: 'value' as const });
}

function encodeBody(body: unknown, path: string, setType: (type: string) => void): Uint8Array | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    setType('text/plain;charset=UTF-8');
    return encoder.encode(body);
  }
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    // A BigInt, a cycle, or a toJSON that throws: say which option, not just "Do not know how to serialize".
    throw new TypeError(`${path}.body must be a string, bytes or a JSON-serialisable value: ${(error as Error).message}`, { cause: error });
  }
  if (json === undefined) throw new TypeError(`${path}.body must be a string, bytes or a JSON-serialisable value, got ${typeof body}`);
  setType('application/json');
  return encoder.encode(json);
}

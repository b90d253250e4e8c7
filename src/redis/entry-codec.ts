import type { CachedResponse } from '../core/types.js';

/**
 * The binary frame one cached response is kept in, one Redis string per entry:
 *
 * ```
 * byte 0     0x62 ('b'), the magic byte
 * byte 1     1, the frame version
 * byte 2     flags: bit 0 set when there is a body (an empty body is not a missing one)
 * byte 3     0, reserved
 * bytes 4-7  length of the metadata, unsigned 32-bit big-endian
 * metadata   UTF-8 JSON: [status, statusText, storedAt, headers, vary]
 * the rest   the body bytes, as they were
 * ```
 *
 * The body stays raw bytes (no base64, no JSON string), so a 1 MiB body costs 1 MiB in
 * Redis and no encoding work; the small metadata is JSON because it is text anyway.
 */
const MAGIC = 0x62;
const VERSION = 1;
const HAS_BODY = 1;
const HEADER_BYTES = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encode an entry into one frame (a Buffer, which is what ioredis sends as bytes). */
export function encodeEntry(entry: CachedResponse): Buffer {
  const meta = encoder.encode(JSON.stringify([entry.status, entry.statusText, entry.storedAt, entry.headers, entry.vary]));
  const body = entry.body;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + meta.byteLength + (body?.byteLength ?? 0));
  frame[0] = MAGIC;
  frame[1] = VERSION;
  frame[2] = body === null ? 0 : HAS_BODY;
  frame[3] = 0;
  frame.writeUInt32BE(meta.byteLength, 4);
  frame.set(meta, HEADER_BYTES);
  if (body !== null) frame.set(body, HEADER_BYTES + meta.byteLength);
  return frame;
}

/**
 * Decode a frame, or `undefined` for anything that is not one of ours in this version
 * (a truncated value, another program's key under the same prefix, a future format):
 * an entry that cannot be trusted is a miss, never a wrong answer.
 */
export function decodeEntry(frame: Uint8Array): CachedResponse | undefined {
  if (frame.byteLength < HEADER_BYTES || frame[0] !== MAGIC || frame[1] !== VERSION) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const metaLength = view.getUint32(4);
  const bodyStart = HEADER_BYTES + metaLength;
  if (bodyStart > frame.byteLength) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(frame.subarray(HEADER_BYTES, bodyStart)));
  } catch {
    return undefined;
  }
  if (!Array.isArray(meta) || meta.length !== 5) return undefined;
  const [status, statusText, storedAt, headers, vary] = meta as unknown[];
  if (!Number.isInteger(status) || typeof statusText !== 'string' || typeof storedAt !== 'number' || !isPairs(headers) || !isPairs(vary)) return undefined;
  const hasBody = (frame[2]! & HAS_BODY) !== 0;
  if (!hasBody && bodyStart !== frame.byteLength) return undefined;
  // A view, not a copy: the frame was made for this lookup and nothing else holds it.
  const body = hasBody ? new Uint8Array(frame.buffer, frame.byteOffset + bodyStart, frame.byteLength - bodyStart) : null;
  return { status: status as number, statusText, headers, body, storedAt, vary };
}

function isPairs(value: unknown): value is [string, string][] {
  return Array.isArray(value) && value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string');
}

import { describe, expect, it } from 'vitest';
import type { CachedResponse } from '../core/types.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';

const entry = (body: Uint8Array | null): CachedResponse => ({
  status: 200,
  statusText: 'OK',
  headers: [['content-type', 'application/octet-stream'], ['etag', '"é"']],
  body,
  storedAt: 1_700_000_000_123,
  vary: [['accept-language', 'fr']],
});

describe('entry codec', () => {
  it('round-trips every byte value, an empty body and a missing one, as different things', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const body of [bytes, new Uint8Array(0), null]) expect(decodeEntry(encodeEntry(entry(body)))).toEqual(entry(body));
  });

  it('keeps the body as raw bytes after a small header, not as text', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
    const frame = encodeEntry(entry(body));
    expect(frame.subarray(frame.byteLength - body.byteLength)).toEqual(Buffer.from(body));
    expect(frame.byteLength - body.byteLength).toBeLessThan(200);
  });

  it('answers a truncated, foreign or future frame with undefined', () => {
    const frame = encodeEntry(entry(new Uint8Array([1, 2, 3])));
    expect(decodeEntry(frame.subarray(0, 6))).toBeUndefined();
    expect(decodeEntry(frame.subarray(0, 20))).toBeUndefined();
    expect(decodeEntry(Buffer.from('{"status":200}'))).toBeUndefined();
    const future = Buffer.from(frame);
    future[1] = 2;
    expect(decodeEntry(future)).toBeUndefined();
    const noBodyButBytes = Buffer.concat([encodeEntry(entry(null)), Buffer.from([9])]);
    expect(decodeEntry(noBodyButBytes)).toBeUndefined();
    const badMeta = Buffer.from(frame);
    badMeta.write('{', 8);
    expect(decodeEntry(badMeta)).toBeUndefined();
  });

  it('reads a frame that sits inside a larger buffer (as a parser may hand it over)', () => {
    const frame = encodeEntry(entry(new Uint8Array([5, 6])));
    const padded = new Uint8Array(frame.byteLength + 10);
    padded.set(frame, 5);
    expect(decodeEntry(padded.subarray(5, 5 + frame.byteLength))).toEqual(entry(new Uint8Array([5, 6])));
  });
});

import type { FallbackResponse } from '../../core/types.js';
import { readFromBytes } from './read-from-bytes.js';

/**
 * A fresh `Response` for each replay: bodies are single-use, so the bytes are kept and
 * a new Response built each time (research/adapters.md §3.3). `url` is restored, since
 * a constructed Response has none. Its common reads (`json()`, `text()`, ...) answer from
 * the kept bytes rather than through the body stream (see {@link readFromBytes}).
 */
export function toResponse(fallback: FallbackResponse, url: string): Response {
  const { body } = fallback;
  const response = new Response(body as Uint8Array<ArrayBuffer> | null, {
    status: fallback.status,
    statusText: fallback.statusText,
    headers: fallback.headers as [string, string][],
  });
  Object.defineProperty(response, 'url', { value: url });
  return body === null || body.byteLength === 0 ? response : readFromBytes(response, body);
}

import type { FallbackResponse } from '../../core/types.js';

/**
 * A fresh `Response` for each replay: bodies are single-use, so the bytes are kept and
 * a new Response built each time (research/adapters.md §3.3). `url` is restored, since
 * a constructed Response has none.
 */
export function toResponse(fallback: FallbackResponse, url: string): Response {
  const response = new Response(fallback.body as Uint8Array<ArrayBuffer> | null, {
    status: fallback.status,
    statusText: fallback.statusText,
    headers: fallback.headers as [string, string][],
  });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

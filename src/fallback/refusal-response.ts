import type { FallbackResponse } from '../core/types.js';

const encoder = new TextEncoder();

/**
 * `onRefusal: 'respond'`: a refused request answered as a 503 instead of an error, shaped
 * so the SDKs people wrap around fetch stop at once instead of sleeping through retries
 * the breaker would refuse too:
 * - `Retry-After` in whole seconds until the next probe (rounded up);
 * - `x-should-retry: false`, which openai's and anthropic's Stainless-built SDKs obey over
 *   every other rule, and `stripe-should-retry: false`, which stripe-node obeys;
 * - a JSON body `{ error: { type: 'circuit_open', message, origin, retryAfter } }`, the
 *   `{ error: { type, message } }` shape those SDKs surface as the error's message.
 */
export function refusalResponse(origin: string, retryAfter: number | undefined, method: string, url: string): FallbackResponse {
  const message = `breakerbox refused ${method} ${url}: the circuit for ${origin} is open${retryAfter === undefined ? '' : `, next probe in ${retryAfter} ms`}`;
  const headers: [string, string][] = [
    ['content-type', 'application/json'],
    ['x-should-retry', 'false'],
    ['stripe-should-retry', 'false'],
    ['x-breakerbox-fallback', 'refused'],
  ];
  if (retryAfter !== undefined) headers.push(['retry-after', String(Math.ceil(retryAfter / 1000))]);
  const body = encoder.encode(JSON.stringify({ error: { type: 'circuit_open', message, origin, retryAfter: retryAfter ?? null } }));
  return { status: 503, statusText: 'Service Unavailable', headers, body, source: 'refused' };
}

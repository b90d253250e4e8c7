/**
 * Per-host settings and fallbacks: a default for every origin, an exact origin with its
 * own threshold and a static answer, and a `*.domain` pattern with a short timeout and
 * a fallback computed per request, also used when the attempt itself fails.
 *
 * Needs no network: the backend is a function passed as createFetch's `fetch` option.
 *   node --import ./scripts/register-source.mjs examples/per-host-fallbacks.ts
 */
import { createBreakerBox, type FallbackContext } from 'breakerbox';
import { createFetch } from 'breakerbox/fetch';

const box = createBreakerBox({
  // Defaults for every origin: open after 5 failures in a row, serve the last good response.
  breaker: { failureThreshold: 5, openDuration: 30_000 },
  fallback: { cache: true },
  hosts: {
    // An exact origin: open after 2 failures; while open, answer "queued" instead.
    'https://payments.example.com': {
      breaker: { failureThreshold: 2 },
      fallback: { value: { status: 202, body: { queued: true } } },
    },
    // Any host under internal.example.com (any scheme and port): 200 ms per attempt, and a
    // degraded answer built per request, for a refused request and for a failed one alike.
    '*.internal.example.com': {
      timeout: 200,
      fallback: { value: degradedSearch, when: 'open-or-failure' },
    },
  },
});

function degradedSearch({ url, reason }: FallbackContext) {
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: { query: new URL(url).searchParams.get('q'), results: [], degraded: reason } };
}

// The backend, in-process: payments is down, search hangs, the catalog works once, then fails.
let catalogUp = true;
async function backend(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.hostname === 'payments.example.com') return new Response('boom', { status: 500 });
  if (url.hostname === 'search.internal.example.com') {
    // Never answers; the breaker's timeout aborts the attempt through init.signal. (The
    // timer stands in for the open socket that keeps a real process alive meanwhile.)
    return new Promise((_resolve, reject) => {
      const socket = setTimeout(() => {}, 60_000);
      const abort = () => {
        clearTimeout(socket);
        reject(init?.signal?.reason);
      };
      init?.signal?.addEventListener('abort', abort, { once: true });
    });
  }
  return catalogUp ? Response.json({ products: ['kettle', 'teapot'] }) : new Response(null, { status: 503 });
}

const resilientFetch = createFetch(box, { fetch: backend });
const show = async (label: string, response: Response) =>
  console.log(label.padEnd(28), response.status, (response.headers.get('x-breakerbox-fallback') ?? 'live').padEnd(5), await response.text());

// payments: two 500s open its breaker; then the static value answers without a request.
for (let i = 0; i < 3; i++) {
  await show(`payments, attempt ${i + 1}`, await resilientFetch('https://payments.example.com/charges', { method: 'POST', body: '{}' }));
}

// search: the attempt times out after 200 ms, and 'open-or-failure' answers it anyway.
await show('search (timed out)', await resilientFetch('https://search.internal.example.com/find?q=kettle'));

// catalog (the defaults): a good response is cached, then served once its breaker opens.
await show('catalog, healthy', await resilientFetch('https://shop.example.com/products'));
await new Promise((resolve) => setTimeout(resolve, 20)); // the cache copies the body in the background
catalogUp = false;
for (let i = 0; i < 5; i++) await (await resilientFetch('https://shop.example.com/products')).arrayBuffer();
await show('catalog, open', await resilientFetch('https://shop.example.com/products'));

console.table(box.snapshot().map(({ origin, state, failures, rejected, fallbacks }) => ({ origin, state, failures, rejected, fallbacks })));

/**
 * Preloaded into a README block the README test runs (test/readme/run-block.ts), after
 * scripts/register-source.mjs and scripts/offline-guard.mjs:
 *
 * - bare imports (`msw`, `ky`, ...) of the block, written to a temporary folder, resolve
 *   from the project root, as they would in a user's project;
 * - unless the block starts MSW itself (README_BLOCK_MSW=off), MSW answers every request
 *   to `https://*.example.com` strictly (anything else is an error): with 200 JSON
 *   `[{"id":1}]`, or as README_BLOCK_ANSWER says: `503` (JSON `{"error":"down"}`) or
 *   `network` (a network error).
 */
import { registerHooks } from 'node:module';

const root = new URL('../../', import.meta.url);
const blockDir = process.env.README_BLOCK_DIR;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const bare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
    if (bare && blockDir !== undefined && context.parentURL?.startsWith(new URL(`file://${blockDir}/`).href)) {
      return nextResolve(specifier, { ...context, parentURL: new URL('package.json', root).href });
    }
    return nextResolve(specifier, context);
  },
});

if (process.env.README_BLOCK_MSW !== 'off') {
  const { http, HttpResponse } = await import('msw');
  const { setupServer } = await import('msw/node');
  const answer = process.env.README_BLOCK_ANSWER ?? 'json';
  const server = setupServer(
    http.all(/^https:\/\/([a-z0-9-]+\.)*example\.com\//, () => {
      if (answer === '503') return HttpResponse.json({ error: 'down' }, { status: 503 });
      if (answer === 'network') return HttpResponse.error();
      return HttpResponse.json([{ id: 1 }]);
    }),
  );
  server.listen({ onUnhandledFrame: 'error' });
}

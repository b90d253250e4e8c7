import type { BreakerBox } from '../../core/types.js';
import { assertBox, createFetch, type FetchFunction } from './create-fetch.js';

/**
 * Replace `globalThis.fetch` with one that goes through the box, wrapping whatever fetch
 * is installed now. Returns `restore()`, which puts the previous fetch back only if the
 * global is still ours (and returns whether it did): if something patched fetch on top
 * of us since (MSW's `server.listen()`), restoring blindly would drop that patch.
 *
 * With MSW, patch after `server.listen()` and restore before `server.close()`.
 *
 * @example
 * ```ts
 * import { createBreakerBox } from 'breakerbox';
 * import { patchGlobalFetch } from 'breakerbox/fetch';
 *
 * const restore = patchGlobalFetch(createBreakerBox());
 * await fetch('https://api.example.com/users'); // now guarded
 * restore();
 * ```
 */
export function patchGlobalFetch(box: BreakerBox): () => boolean {
  assertBox('patchGlobalFetch', box);
  const previous = globalThis.fetch as FetchFunction | undefined;
  if (typeof previous !== 'function') {
    throw new TypeError('Failed to patch fetch: globalThis.fetch is not a function. Please use a runtime with fetch (Node >= 22, a browser, Deno, Bun).');
  }
  const patched = createFetch(box, { fetch: previous });
  globalThis.fetch = patched as typeof fetch;
  return function restore(): boolean {
    if (globalThis.fetch !== (patched as typeof fetch)) return false;
    globalThis.fetch = previous as typeof fetch;
    return true;
  };
}

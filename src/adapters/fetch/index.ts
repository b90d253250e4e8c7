/**
 * `breakerbox/fetch`: a resilient `fetch`, as a wrapper or as a global patch.
 * @packageDocumentation
 */
export { createFetch, type CreateFetchOptions, type FetchFunction } from './create-fetch.js';
export { patchGlobalFetch } from './patch-global-fetch.js';

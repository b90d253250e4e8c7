/**
 * `breakerbox/msw`: helpers to test resilient code against MSW 3. Simulated outages
 * by kind (`outage`), a per-origin request counter (`countRequests`) and a strict
 * `listenStrict` that turns unhandled requests into errors. `msw` is an optional peer
 * dependency, imported only by this subpath.
 * @packageDocumentation
 */
export { outage, type FlappingOptions, type Outage, type OutageOptions, type StatusOutageOptions } from './outage.js';
export type { Failure } from './failure.js';
export { countRequests, type RequestCounter } from './count-requests.js';
export { listenStrict, type ListenStrictOptions, type StrictTarget } from './listen-strict.js';

/**
 * `breakerbox/ky`: ky options that put every ky attempt through a breakerbox.
 * @packageDocumentation
 */
export { kyOptions, type KyBreakerOptions, type KyOptionsOptions } from './ky-options.js';
export { createShouldRetry, type KyShouldRetry } from './create-should-retry.js';

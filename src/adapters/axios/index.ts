/**
 * `breakerbox/axios`: per-origin circuit breakers and fallbacks for an axios instance.
 * @packageDocumentation
 */
export { attachToAxios } from './attach-to-axios.js';

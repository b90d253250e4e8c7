/**
 * Set on the `init` a breakerbox layer passes downstream, with the box as its value. A
 * second layer of the same box (ky, or axios's fetch adapter, over a fetch patched by
 * `patchGlobalFetch`) sees it and passes the request through, so each request is
 * admitted and recorded once. `Symbol.for`, so separately bundled subpaths agree.
 */
export const ADMITTED: unique symbol = Symbol.for('breakerbox.admitted') as never;

/**
 * The conformance entry for Bun and Deno, bundled by scripts/test-runtimes.mjs with the
 * server's origin built in (`BREAKERBOX_CONFORMANCE_BASE`). Prints one line per check;
 * a failed check makes it throw at top level, which exits non-zero in both runtimes.
 */
import { runConformance } from './conformance.js';

declare const BREAKERBOX_CONFORMANCE_BASE: string;

const results = await runConformance(BREAKERBOX_CONFORMANCE_BASE, navigator.userAgent, (line) => console.log(line));
const failed = results.filter((r) => !r.ok).length;
if (failed > 0) throw new Error(`${failed} conformance check(s) failed`);

/**
 * Run TypeScript that imports `breakerbox`, `breakerbox/fetch`, ... straight from src/,
 * with no build step: `node --import ./scripts/register-source.mjs examples/fetch.ts`.
 *
 * Node 22 strips the types itself; this hook does the two things it cannot:
 * - maps the package's own entries to src/ using tsconfig.json `paths`, the same map
 *   `tsc` type-checks examples, the bench and the demo with (one source of truth);
 * - resolves the `./x.js` specifiers of TypeScript files (NodeNext style) to `./x.ts`.
 *
 * In-thread synchronous hooks (`module.registerHooks`, Node >= 22.15), so stack traces
 * and `--cpu-prof` point at the real source files.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = new URL('../', import.meta.url);

let tsconfig;
try {
  tsconfig = JSON.parse(readFileSync(new URL('tsconfig.json', root), 'utf8'));
} catch (error) {
  throw new Error(`Failed to read tsconfig.json: ${error.message}. Please keep it plain JSON (the source hook reads its paths).`, { cause: error });
}
const paths = tsconfig.compilerOptions?.paths ?? {};
/** `breakerbox/fetch` → file URL of src/adapters/fetch/index.ts */
const entries = new Map(
  Object.entries(paths)
    .filter(([key, targets]) => key.startsWith('breakerbox') && !key.includes('*') && targets.length > 0)
    .map(([key, [target]]) => [key, pathToFileURL(fileURLToPath(new URL(target, root))).href]),
);
if (!entries.has('breakerbox')) {
  throw new Error('Failed to map breakerbox to src: tsconfig.json has no compilerOptions.paths["breakerbox"]. Please add the package entries there.');
}

// A namespace import, so an older Node gets this sentence instead of a bare SyntaxError about a missing export.
const { registerHooks } = nodeModule;
if (typeof registerHooks !== 'function') {
  throw new Error(`scripts/register-source.mjs needs Node >= 22.15 (module.registerHooks), got ${process.version}. Please run it with the project's Node 22: "npx node --import ./scripts/register-source.mjs …", or through npm run.`);
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const entry = entries.get(specifier);
    if (entry !== undefined) return { url: entry, shortCircuit: true };
    const parent = context.parentURL;
    if (specifier.startsWith('.') && specifier.endsWith('.js') && parent?.startsWith('file:') && parent.endsWith('.ts')) {
      const candidate = new URL(specifier, parent);
      const ts = new URL(candidate.href.replace(/\.js$/, '.ts'));
      if (!existsSync(candidate) && existsSync(ts)) return { url: ts.href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});

// Runs after `tsup` (npm's `postbuild`). tsup's declaration bundler drops import attributes,
// so it is done here, on the output.
//
// ky and msw publish ES modules only. A CommonJS consumer type-checked with
// `module: node16` and `skipLibCheck: false` then gets TS1479 ("the referenced file is an
// ECMAScript module and cannot be imported with 'require'") from our `.d.cts` files, which
// import their types. A type-only import with `resolution-mode: 'import'` is the form
// TypeScript accepts there (TS >= 5.3), in every module mode.
// See https://www.typescriptlang.org/docs/handbook/modules/reference.html#resolution-mode
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/', import.meta.url);
const nodeModules = new URL('../node_modules/', import.meta.url);

/** A package is ESM-only for types when it is `type: module` and its `exports` offer no `require` condition. */
async function isEsmOnly(name) {
  // Read directly: ky's `exports` does not expose its package.json to require().
  const manifest = JSON.parse(await readFile(new URL(`${name}/package.json`, nodeModules), 'utf8'));
  return manifest.type === 'module' && !JSON.stringify(manifest.exports ?? {}).includes('"require"');
}

/** `ky`, `@scope/pkg/sub` → the package name. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const importLine = /^import \{([^}]*)\} from '([^'.][^']*)';$/gm;
const cache = new Map();
let changed = 0;
for (const file of await readdir(dist)) {
  if (!file.endsWith('.d.cts')) continue;
  const path = join(fileURLToPath(dist), file);
  const before = await readFile(path, 'utf8');
  for (const [, , specifier] of before.matchAll(importLine)) {
    const name = packageName(specifier);
    if (!cache.has(name)) cache.set(name, await isEsmOnly(name));
  }
  const after = before.replace(importLine, (line, names, specifier) => {
    if (!cache.get(packageName(specifier))) return line;
    changed++;
    return `import type {${names}} from '${specifier}' with { 'resolution-mode': 'import' };`;
  });
  if (after !== before) await writeFile(path, after);
}
console.log(`mark-esm-peer-types: ${changed} import(s) of ESM-only packages marked in dist/*.d.cts`);

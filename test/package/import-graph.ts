import { builtinModules } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** One import of a Node built-in, and the file that made it. */
export interface BuiltinImport {
  importer: string;
  specifier: string;
}

const builtins = new Set(builtinModules);
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtins.has(specifier.split('/')[0] ?? specifier);
}

// Static and dynamic imports, re-exports and require(): type-only ones too, since a
// `node:` type in a declaration breaks a browser project's type check as well.
const specifierPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/**
 * Every file reachable from `entries` through relative imports (`./x.js` is read as
 * `./x.ts`), and the built-ins any of them names. Reads source text, so nothing is run.
 */
export async function findBuiltinImports(entries: readonly string[]): Promise<{ files: string[]; found: BuiltinImport[] }> {
  const seen = new Set<string>();
  const found: BuiltinImport[] = [];
  const queue = entries.map((entry) => resolve(entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = stripComments(await readFile(file, 'utf8'));
    for (const match of text.matchAll(specifierPattern)) {
      const specifier = match[2]!;
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (isNodeBuiltin(specifier)) found.push({ importer: file, specifier });
    }
  }
  return { files: [...seen].sort(), found };
}

/** JSDoc examples mention imports too; only code counts. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Bundles `entry` for the browser, as a user's bundler would, and reports every built-in
 * the code actually reaches at run time (peers stay external: they are the user's).
 */
export async function bundleForBrowser(entry: string, external: readonly string[]): Promise<BuiltinImport[]> {
  const found: BuiltinImport[] = [];
  const recordBuiltins: Plugin = {
    name: 'record-node-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isNodeBuiltin(args.path)) return undefined;
        found.push({ importer: args.importer, specifier: args.path });
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    external: [...external],
    plugins: [recordBuiltins],
  });
  return found;
}

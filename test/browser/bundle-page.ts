import { resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

/** The package's subpaths, served from source (the tarball test covers the built files). */
const subpaths: Record<string, string> = {
  breakerbox: 'src/index.ts',
  'breakerbox/fetch': 'src/adapters/fetch/index.ts',
  'breakerbox/axios': 'src/adapters/axios/index.ts',
  'breakerbox/ky': 'src/adapters/ky/index.ts',
};

const breakerboxFromSource: Plugin = {
  name: 'breakerbox-from-source',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^breakerbox(\/[a-z]+)?$/ }, (args) => {
      const path = subpaths[args.path];
      return path === undefined ? { errors: [{ text: `no such subpath: ${args.path}` }] } : { path: resolve(root, path) };
    });
  },
};

/**
 * Bundles the in-page scenario for the browser, as a user's bundler would: breakerbox
 * and ky (from node_modules) in one ES module. Fails on any Node built-in.
 */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(import.meta.dirname, 'page/scenario.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [breakerboxFromSource],
  });
  return result.outputFiles[0]!.text;
}

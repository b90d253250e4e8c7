import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, findBuiltinImports, type BuiltinImport } from './import-graph.js';
import { repoRoot } from './run-command.js';

/** The subpaths that must run in a browser: the core, the three client adapters and OpenTelemetry (not the MSW kit, nor Redis). */
const browserEntries = {
  breakerbox: 'src/index.ts',
  'breakerbox/fetch': 'src/adapters/fetch/index.ts',
  'breakerbox/axios': 'src/adapters/axios/index.ts',
  'breakerbox/ky': 'src/adapters/ky/index.ts',
  'breakerbox/otel': 'src/otel/index.ts',
};
const peers = ['axios', 'ky', 'msw', '@opentelemetry/api'];

const show = (found: BuiltinImport[]) => found.map(({ importer, specifier }) => `${relative(repoRoot, importer)} imports ${specifier}`);

describe('the browser-facing source', () => {
  it.each(Object.entries(browserEntries))('imports no Node built-in anywhere under %s', async (_subpath, entry) => {
    const { files, found } = await findBuiltinImports([join(repoRoot, entry)]);
    expect(files.length).toBeGreaterThan(0);
    expect(show(found)).toEqual([]);
  });

  it.each(Object.entries(browserEntries))('bundles %s for the browser without reaching a Node built-in', async (_subpath, entry) => {
    expect(show(await bundleForBrowser(join(repoRoot, entry), peers))).toEqual([]);
  });
});

describe('the built-in detectors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'breakerbox-builtins-'));
    await writeFile(join(dir, 'entry.ts'), `import { helper } from './helper.js';\n/** import { x } from 'node:fs' (a doc comment, not code) */\nexport const value = helper();\n`);
    await writeFile(join(dir, 'helper.ts'), `import { EventEmitter } from 'node:events';\nimport type { Socket } from 'net';\nexport const helper = (): unknown => new EventEmitter() as unknown as Socket;\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a built-in two files deep, type-only ones included, when the source names one', async () => {
    const { found } = await findBuiltinImports([join(dir, 'entry.ts')]);
    expect(found.map((f) => f.specifier).sort()).toEqual(['net', 'node:events']);
  });

  it('finds the run-time built-in when bundling for the browser', async () => {
    const found = await bundleForBrowser(join(dir, 'entry.ts'), []);
    expect(found.map((f) => f.specifier)).toEqual(['node:events']);
  });
});

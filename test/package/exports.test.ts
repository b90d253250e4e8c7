import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserConsumerTypeScript, consumerTsconfig, consumerTypeScript, runtimeCheckScript, type ContractFunction, type ConsumerMode } from './consumer-sources.js';
import { packAndInstall, subpaths, type PackedPackage, type Subpath } from './packed-package.js';
import { repoRoot, runCommand } from './run-command.js';

/** The source module behind each subpath: the package must expose exactly what it exports. */
const sources: Record<Subpath, string> = {
  breakerbox: '../../src/index.ts',
  'breakerbox/fetch': '../../src/adapters/fetch/index.ts',
  'breakerbox/axios': '../../src/adapters/axios/index.ts',
  'breakerbox/ky': '../../src/adapters/ky/index.ts',
  'breakerbox/msw': '../../src/testing/msw/index.ts',
  'breakerbox/otel': '../../src/otel/index.ts',
  'breakerbox/redis': '../../src/redis/index.ts',
};

/** The names API.md fixes, per subpath. */
const contract: Record<Subpath, readonly string[]> = {
  breakerbox: ['createBreakerBox', 'CircuitOpenError', 'BreakerBoxError', 'isCircuitOpenError', 'BulkheadFullError', 'isBulkheadFullError', 'findBreakerBoxError'],
  'breakerbox/fetch': ['createFetch', 'patchGlobalFetch'],
  'breakerbox/axios': ['attachToAxios'],
  'breakerbox/ky': ['kyOptions'],
  'breakerbox/msw': ['outage', 'countRequests', 'listenStrict'],
  'breakerbox/otel': ['instrument'],
  'breakerbox/redis': ['createRedisCacheStore', 'shareOpenState'],
};

/** Public functions whose first argument is the box (the type check proves a string is refused). */
const boxFunctions: readonly ContractFunction[] = [
  { subpath: 'breakerbox/fetch', name: 'createFetch' },
  { subpath: 'breakerbox/fetch', name: 'patchGlobalFetch' },
  { subpath: 'breakerbox/axios', name: 'attachToAxios' },
  { subpath: 'breakerbox/ky', name: 'kyOptions' },
  { subpath: 'breakerbox/otel', name: 'instrument' },
  { subpath: 'breakerbox/redis', name: 'shareOpenState' },
];

interface ModuleReport {
  importFile: string;
  requireFile: string;
  importKeys: string[];
  requireKeys: string[];
}
interface SmokeResult {
  state: string;
  calls: number;
  refused: boolean;
}
interface RuntimeReport {
  modules: Record<Subpath, ModuleReport>;
  smoke: { esm: SmokeResult; cjs: SmokeResult; importGuardOnRequireError: boolean; requireGuardOnImportError: boolean };
}

let packed: PackedPackage;
let report: RuntimeReport;

beforeAll(async () => {
  packed = await packAndInstall();
  const script = join(packed.consumerDir, 'check-runtime.mjs');
  await writeFile(script, runtimeCheckScript(subpaths));
  // process.execPath: under `npm run test:node24` the consumer runs on Node 24 too.
  report = JSON.parse(await runCommand(process.execPath, [script], { cwd: packed.consumerDir, timeout: 30_000 })) as RuntimeReport;
}, 240_000);

afterAll(async () => {
  await packed?.cleanup();
});

describe('the packed tarball', () => {
  it('ships dist only, with ESM, CJS and both declaration flavours for every subpath', () => {
    for (const name of ['index', 'fetch', 'axios', 'ky', 'msw', 'otel', 'redis']) {
      for (const extension of ['.js', '.cjs', '.d.ts', '.d.cts']) {
        expect(packed.files).toContain(`dist/${name}${extension}`);
      }
    }
    expect(packed.files).toContain('package.json');
    const unexpected = packed.files.filter((file) => !file.startsWith('dist/') && !/^(package\.json|README\.md|LICENSE(\.md)?)$/i.test(file));
    expect(unexpected).toEqual([]);
  });
});

describe.each(subpaths)('%s from the installed tarball', (subpath) => {
  it('loads with import from the ESM build and with require from the CJS build', () => {
    const module = report.modules[subpath];
    expect(module.importFile).toMatch(/\/node_modules\/breakerbox\/dist\/[a-z]+\.js$/);
    expect(module.requireFile).toMatch(/\/node_modules\/breakerbox\/dist\/[a-z]+\.cjs$/);
  });

  it('exports the same names from both builds as the source does', async () => {
    const source = Object.keys((await import(sources[subpath])) as object).sort();
    expect(report.modules[subpath].importKeys).toEqual(source);
    expect(report.modules[subpath].requireKeys).toEqual(source);
  });

  it('exports the names the public contract fixes', () => {
    for (const name of contract[subpath]) {
      expect(report.modules[subpath].importKeys).toContain(name);
      expect(report.modules[subpath].requireKeys).toContain(name);
    }
  });
});

describe('the installed builds at run time', () => {
  it('open the breaker and refuse without calling fetch when run from either build', () => {
    for (const result of [report.smoke.esm, report.smoke.cjs]) {
      expect(result).toEqual({ state: 'open', calls: 2, refused: true });
    }
  });

  it('recognise each other\'s CircuitOpenError when both builds are loaded', () => {
    expect(report.smoke.importGuardOnRequireError).toBe(true);
    expect(report.smoke.requireGuardOnImportError).toBe(true);
  });
});

/** Which consumer files each setup type-checks, and what they contain. */
const consumers: Record<ConsumerMode, Record<string, () => string>> = {
  node16: {
    'consumer.mts': () => consumerTypeScript(boxFunctions, subpaths, 'esm'),
    'consumer.cts': () => consumerTypeScript(boxFunctions, subpaths, 'cjs'),
  },
  bundler: { 'consumer.ts': () => consumerTypeScript(boxFunctions, subpaths, 'esm') },
  browser: { 'browser-consumer.ts': browserConsumerTypeScript },
};

describe.each(['node16', 'bundler', 'browser'] as const)('the types in a %s project', (mode) => {
  it('resolve every subpath and reject misuse when type-checked with tsc', async () => {
    const files = Object.keys(consumers[mode]);
    for (const [file, source] of Object.entries(consumers[mode])) await writeFile(join(packed.consumerDir, file), source());
    const tsconfig = `tsconfig.${mode}.json`;
    await writeFile(join(packed.consumerDir, tsconfig), consumerTsconfig(mode, files));
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    await expect(runCommand(process.execPath, [tsc, '-p', tsconfig], { cwd: packed.consumerDir, timeout: 90_000 })).resolves.toBe('');
  }, 120_000);
});

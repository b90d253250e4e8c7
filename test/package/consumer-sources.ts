import type { Subpath } from './packed-package.js';

/**
 * What a user's project contains: the files are written into the temporary consumer as
 * text, so the repository's own type check never sees them (they import `breakerbox`
 * from the installed tarball, which exists only there).
 */

/** A public function per subpath; a string passed as the box must be a type error. */
export interface ContractFunction {
  subpath: Subpath;
  name: string;
}

/**
 * One TypeScript file importing every subpath. The `@ts-expect-error` lines fail the
 * check if the declarations resolve to `any` (an unused expect-error is an error).
 * `format: 'cjs'` leaves out the ky and msw usage: both are ES modules only, which a
 * CommonJS file cannot import under `node16` (our `.d.cts` may still name their types).
 */
export function consumerTypeScript(functions: readonly ContractFunction[], subpaths: readonly Subpath[], format: 'esm' | 'cjs'): string {
  const esmOnly =
    format === 'esm'
      ? [
          `import ky from 'ky';`,
          `import { setupServer } from 'msw/node';`,
          `import { countRequests, outage } from 'breakerbox/msw';`,
          `const api: typeof ky = ky.create(kyOptions(box));`,
          `const counter = countRequests(setupServer(outage.status('https://api.example.com/*', 503)));`,
          `const sent: number = counter.get('https://api.example.com');`,
          `void [api, sent];`,
        ]
      : [];
  const lines = [
    `import { createBreakerBox, isCircuitOpenError, CircuitOpenError, type BreakerBox, type CircuitState } from 'breakerbox';`,
    `import { createFetch, patchGlobalFetch } from 'breakerbox/fetch';`,
    ...subpaths.map((subpath, i) => `import * as entry${i} from '${subpath}';`),
    ...functions.filter((f) => f.subpath !== 'breakerbox/fetch').map((f) => `import { ${f.name} } from '${f.subpath}';`),
    '',
    `const box: BreakerBox = createBreakerBox({ breaker: { failureThreshold: 2 }, fallback: { cache: true } });`,
    `const state: CircuitState = box.state('https://api.example.com');`,
    `const guarded: (input: string | URL | Request, init?: RequestInit) => Promise<Response> = createFetch(box);`,
    `const restore: () => boolean = patchGlobalFetch(box);`,
    `const refused: boolean = isCircuitOpenError(new Error('x')) || new Error('y') instanceof CircuitOpenError;`,
    `// @ts-expect-error failureThreshold is a number`,
    `createBreakerBox({ breaker: { failureThreshold: 'five' } });`,
    ...functions.flatMap((f) => [`// @ts-expect-error a string is not a box`, `${f.name}('not a box');`]),
    `void [state, guarded, restore, refused, ${subpaths.map((_, i) => `entry${i}`).join(', ')}];`,
    `import axios from 'axios';`,
    `const eject: () => void = attachToAxios(box, axios.create());`,
    `void eject;`,
    ...esmOnly,
    '',
  ];
  return lines.join('\n');
}

/**
 * A browser project: a bundler, the DOM, and no `@types/node`. The four browser-facing
 * subpaths must type-check there (a `Buffer` or `node:` type in a declaration fails it).
 */
export function browserConsumerTypeScript(): string {
  return [
    `import { createBreakerBox, type BreakerBox } from 'breakerbox';`,
    `import { createFetch, patchGlobalFetch } from 'breakerbox/fetch';`,
    `import { attachToAxios } from 'breakerbox/axios';`,
    `import { kyOptions } from 'breakerbox/ky';`,
    `import axios from 'axios';`,
    `import ky from 'ky';`,
    `const box: BreakerBox = createBreakerBox({ fallback: { cache: true } });`,
    `const restore: () => boolean = patchGlobalFetch(box);`,
    `const eject: () => void = attachToAxios(box, axios.create());`,
    `void [restore, eject, createFetch(box), ky.create(kyOptions(box))];`,
    `// @ts-expect-error a string is not a box`,
    `attachToAxios('not a box', axios.create());`,
    '',
  ].join('\n');
}

/** The type-check setups a consumer may have. */
export type ConsumerMode = 'node16' | 'bundler' | 'browser';

/** tsconfig for one setup: strict, and library checking on so our .d.ts files are checked too. */
export function consumerTsconfig(mode: ConsumerMode, files: readonly string[]): string {
  return JSON.stringify({
    compilerOptions: {
      module: mode === 'node16' ? 'node16' : 'preserve',
      moduleResolution: mode === 'node16' ? 'node16' : 'bundler',
      target: 'ES2022',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: mode === 'browser' ? [] : ['node'],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files,
  });
}

/**
 * An ES module that loads every subpath with `import` and with `require`, runs the guard
 * once through each build, and prints a JSON report.
 */
export function runtimeCheckScript(subpaths: readonly Subpath[]): string {
  return `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const report = { modules: {}, smoke: {} };
for (const subpath of ${JSON.stringify(subpaths)}) {
  const esm = await import(subpath);
  const cjs = require(subpath);
  report.modules[subpath] = {
    importFile: import.meta.resolve(subpath),
    requireFile: require.resolve(subpath),
    importKeys: Object.keys(esm).sort(),
    requireKeys: Object.keys(cjs).sort(),
  };
}

// Two failures open the breaker; the third call must be refused without reaching fetch.
async function smoke(core, fetchEntry) {
  let calls = 0;
  const box = core.createBreakerBox({ breaker: { failureThreshold: 2 } });
  const send = async () => { calls++; return new Response('down', { status: 503 }); };
  const guarded = fetchEntry.createFetch(box, { fetch: send });
  await guarded('https://api.example.test/a');
  await guarded('https://api.example.test/a');
  const error = await guarded('https://api.example.test/a').then(() => undefined, (e) => e);
  return { state: box.state('https://api.example.test'), calls, error };
}
const esm = await smoke(await import('breakerbox'), await import('breakerbox/fetch'));
const cjs = await smoke(require('breakerbox'), require('breakerbox/fetch'));
const esmCore = await import('breakerbox');
const cjsCore = require('breakerbox');
report.smoke = {
  esm: { state: esm.state, calls: esm.calls, refused: esmCore.isCircuitOpenError(esm.error) },
  cjs: { state: cjs.state, calls: cjs.calls, refused: cjsCore.isCircuitOpenError(cjs.error) },
  // The two builds are two copies of the classes: the guard must still recognise the other's error.
  importGuardOnRequireError: esmCore.isCircuitOpenError(cjs.error),
  requireGuardOnImportError: cjsCore.isCircuitOpenError(esm.error),
};
console.log(JSON.stringify(report));
`;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `breakerbox` and `breakerbox/*` resolve to src/, by the same tsconfig `paths` that tsc and
 * scripts/register-source.mjs use. Without this, a test importing the package by name would
 * get package.json's exports, i.e. whatever dist/ was last built (or nothing on a fresh clone).
 */
const paths = (JSON.parse(readFileSync(new URL('tsconfig.json', import.meta.url), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
const alias = Object.entries(paths)
  .filter(([name]) => name.startsWith('breakerbox'))
  .map(([name, [target]]) => ({ find: new RegExp(`^${name.replace('/', '\\/')}$`), replacement: fileURLToPath(new URL(target!, import.meta.url)) }));

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 15_000,
          setupFiles: ['test/setup/fail-on-unhandled.ts'],
        },
      },
    ],
  },
});

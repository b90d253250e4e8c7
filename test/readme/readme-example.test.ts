import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
/** The first TypeScript block: the example on the README's first screen. */
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** Run the example exactly as written, with only its package imports pointed at src/. */
async function runExample(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-readme-'));
  const file = join(dir, 'example.ts');
  const source = example
    .replace(`from 'breakerbox/fetch'`, `from '${new URL('src/adapters/fetch/index.ts', root).pathname}'`)
    .replace(`from 'breakerbox'`, `from '${new URL('src/index.ts', root).pathname}'`);
  writeFileSync(file, source);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  });
  try {
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
  } finally {
    log.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines;
}

describe('the README example', () => {
  it('imports only the package entries', () => {
    expect(example).toContain(`from 'breakerbox'`);
    expect(example).toContain(`from 'breakerbox/fetch'`);
  });

  it('runs as written and prints the live answer', async () => {
    server.use(http.get('https://api.example.com/users', () => HttpResponse.json([{ id: 1 }])));
    expect(await runExample()).toEqual(['live [{"id":1}]']);
  });

  it('runs as written and lets a plain network error through while the breaker is closed', async () => {
    server.use(http.get('https://api.example.com/users', () => HttpResponse.error()));
    await expect(runExample()).rejects.toThrow(TypeError);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractBlocks } from './blocks.js';
import { runBlock } from './run-block.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The first TypeScript block: the example on the README's first screen. */
const quickStart = extractBlocks(readme, 'README.md')[0]!;

describe('the README quick start', () => {
  it('imports only the package entries', () => {
    expect(quickStart.code).toContain(`from 'breakerbox'`);
    expect(quickStart.code).toContain(`from 'breakerbox/fetch'`);
    expect(quickStart.code).not.toMatch(/from '\.|src\//);
  });

  it('prints the live answer when the API answers 200', async () => {
    const run = await runBlock(quickStart, { answer: 'json' });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe("live [ { id: 1 } ]\n");
  });

  it('reports a 503 as a failed response instead of printing its body as data', async () => {
    const run = await runBlock(quickStart, { answer: '503' });
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error: GET /users answered 503');
  });

  it('lets a plain network error through while the breaker is closed', async () => {
    const run = await runBlock(quickStart, { answer: 'network' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TypeError');
    expect(run.stdout).toBe('');
  });
});

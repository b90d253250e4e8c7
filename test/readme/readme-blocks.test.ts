/**
 * Every fenced `ts`/`typescript` block of README.md and examples/README.md, type-checked
 * against the package entries (tsconfig `paths`, as `tsc` checks examples/), and every
 * block marked as a complete program run as a user would run it.
 *
 * How a block is marked (an HTML comment on the last non-blank line before the fence;
 * details in test/readme/blocks.ts and the README's notes for contributors):
 * - nothing, or `<!-- readme-test: fragment -->`: a snippet, type-checked inside an async
 *   function with the package's exports, axios, ky, msw and `box` supplied; other free
 *   names need `<!-- readme-test: fragment; assumes name, other -->`;
 * - `<!-- readme-test: run -->`: a complete program, type-checked as written, then run
 *   with Node, offline, MSW answering `https://*.example.com` with 200 JSON unless the
 *   block starts its own MSW server; it must exit 0 and MSW must report nothing;
 * - `<!-- readme-test: skip: <why> -->`: pseudo-code, not checked.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockName, extractBlocks, type ReadmeBlock } from './blocks.js';
import { runBlock } from './run-block.js';
import { typecheckBlocks } from './typecheck-blocks.js';

const root = new URL('../../', import.meta.url);
const blocks = ['README.md', 'examples/README.md'].flatMap((file) => extractBlocks(readFileSync(new URL(file, root), 'utf8'), file));

let diagnostics = new Map<ReadmeBlock, string[]>();
// One TypeScript program for every block: a few seconds, once.
beforeAll(() => {
  diagnostics = typecheckBlocks(blocks);
}, 120_000);

describe('the README blocks', () => {
  it('are found, and the first screen and the MSW example are complete programs', () => {
    const readme = blocks.filter((block) => block.file === 'README.md');
    expect(readme.length).toBeGreaterThan(10);
    expect(readme[0]!.mode).toBe('run');
    expect(readme.find((block) => block.code.includes(`from 'breakerbox/msw'`))?.mode).toBe('run');
  });

  for (const block of blocks) {
    if (block.mode === 'skip') {
      it.skip(`${blockName(block)}: skipped, ${block.skipReason}`, () => {});
      continue;
    }
    it(`${blockName(block)} type-checks as a ${block.mode === 'run' ? 'program' : 'fragment'}`, () => {
      expect(diagnostics.get(block)).toEqual([]);
    });
  }

  for (const block of blocks.filter((b) => b.mode === 'run')) {
    it(`${blockName(block)} runs as written and exits 0`, async () => {
      const run = await runBlock(block);
      expect(run, `${run.stdout}\n${run.stderr}`).toMatchObject({ code: 0 });
      // A strict MSW reports any request it had no answer for, even one the program caught.
      expect(run.stderr).not.toContain('[MSW]');
    }, 30_000);
  }
});

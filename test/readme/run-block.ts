import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadmeBlock } from './blocks.js';

const root = new URL('../../', import.meta.url);
const hooks = ['scripts/register-source.mjs', 'scripts/offline-guard.mjs', 'test/readme/run-block-preload.mjs'].flatMap((file) => [
  '--import',
  fileURLToPath(new URL(file, root)),
]);

/** How a block's run ended. */
export interface BlockRun {
  /** The exit code, or the signal that ended it. */
  code: number | string;
  stdout: string;
  stderr: string;
}

/** What MSW answers the block's requests to `https://*.example.com` with. */
export type BlockAnswer = 'json' | '503' | 'network';

/**
 * Runs a `run` block as a user would run the file: `node` (this Node, 22.15 or later),
 * from a temporary folder, with the package entries mapped to src/, offline, and MSW
 * answering example.com (test/readme/run-block-preload.mjs) unless the block imports
 * `msw/node` itself. Ends it after `timeout` ms.
 * @example
 * ```ts
 * const { code, stdout } = await runBlock(block, { answer: '503' });
 * ```
 */
export async function runBlock(block: ReadmeBlock, { answer = 'json', timeout = 20_000 }: { answer?: BlockAnswer; timeout?: number } = {}): Promise<BlockRun> {
  const dir = mkdtempSync(join(tmpdir(), 'breakerbox-readme-'));
  const file = join(dir, `${block.file.replace(/\W+/g, '-')}-${block.line}.ts`);
  writeFileSync(file, block.code);
  const ownMsw = /from ['"]msw\/node['"]/.test(block.code);
  try {
    return await new Promise<BlockRun>((resolve) => {
      const child = spawn(process.execPath, [...hooks, file], {
        cwd: fileURLToPath(root),
        env: { ...process.env, README_BLOCK_DIR: dir, README_BLOCK_ANSWER: answer, README_BLOCK_MSW: ownMsw ? 'off' : 'on', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? `${signal} after ${timeout} ms`, stdout, stderr });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { delimiter, resolve } from 'node:path';

/** The repository root (this file is test/package/run-command.ts). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * PATH with the project's own bin folder first, so `npm`'s lifecycle scripts and tools
 * run on the project's Node 22 even when the suite itself runs on another Node.
 */
const env = { ...process.env, PATH: `${resolve(repoRoot, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}` };

export interface RunOptions {
  cwd: string;
  /** Killed after this many ms, so a stuck child cannot hang the suite. */
  timeout: number;
}

/** Runs a command without a shell; resolves with its stdout, rejects with its stderr in the message. */
export function runCommand(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeout, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.signal}):\n${stdout}\n${stderr}`, { cause: error }));
        return;
      }
      resolvePromise(stdout);
    });
  });
}

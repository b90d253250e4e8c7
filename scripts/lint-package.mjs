/**
 * `npm run lint:package`: publint and @arethetypeswrong/cli on the tarball `npm pack`
 * makes, packed into a temporary folder that is removed afterwards.
 *
 * `attw --pack .` packs into the working tree and deletes `breakerbox-<version>.tgz`
 * when it is done, including one that was there before (a tarball you packed to try
 * by hand). Packing elsewhere leaves the working tree as it was found, apart from dist/
 * (ignored by git), which is rebuilt from the current source first, as `prepack` would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command in the project root with inherited output; returns its stdout when `capture`. */
function run(command, args, { capture = false } = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  if (result.error) throw new Error(`Failed to run ${command}: ${result.error.message}.`, { cause: result.error });
  if (result.status !== 0) {
    console.error(`lint:package: ${[command, ...args].join(' ')} exited with ${result.status ?? result.signal}`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'breakerbox-lint-package-'));
try {
  // Build first with its output shown, then pack without scripts, so stdout is only npm's
  // JSON (the tarball's file name, read rather than guessed from the version).
  run('npm', ['run', 'build']);
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { capture: true }));
  const tarball = join(dir, packed[0].filename);
  console.log(`lint:package: checking ${packed[0].filename} (${packed[0].entryCount} files), packed in a temporary folder`);
  run(bin('publint'), ['run', tarball]);
  run(bin('attw'), [tarball]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot, runCommand } from './run-command.js';

/** Every public subpath, as a user imports it. */
export const subpaths = ['breakerbox', 'breakerbox/fetch', 'breakerbox/axios', 'breakerbox/ky', 'breakerbox/msw', 'breakerbox/otel', 'breakerbox/redis'] as const;
export type Subpath = (typeof subpaths)[number];

/**
 * Peers (and what their types need) are linked from the project's node_modules rather than
 * installed: the consumer stays offline and fast, and resolves them the way a user's
 * project would, from its own node_modules.
 */
const linkedPackages = ['axios', 'ky', 'msw', 'ioredis', '@opentelemetry/api', '@types/node'];

export interface PackedPackage {
  /** The temporary consumer project with the tarball installed. */
  consumerDir: string;
  /** Paths inside the tarball, e.g. `package/dist/index.js`. */
  files: string[];
  cleanup(): Promise<void>;
}

/**
 * Builds, packs the tarball exactly as `npm publish` would, and installs it into a new
 * project in a temporary folder. Nothing is left in the repository but the usual `dist/`.
 */
export async function packAndInstall(): Promise<PackedPackage> {
  const root = await mkdtemp(join(tmpdir(), 'breakerbox-package-'));
  try {
    await runCommand('npm', ['run', 'build'], { cwd: repoRoot, timeout: 120_000 });
    // --ignore-scripts: prepack would build a second time and mix its output into the JSON.
    const packed = JSON.parse(await runCommand('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: repoRoot, timeout: 60_000 })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const [entry] = packed;
    if (entry === undefined) throw new Error('npm pack reported no tarball');

    const consumerDir = join(root, 'consumer');
    await mkdir(consumerDir);
    await writeFile(join(consumerDir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    // The tarball has no dependencies, so the install needs no registry.
    await runCommand('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', join(root, entry.filename)], { cwd: consumerDir, timeout: 60_000 });
    for (const name of linkedPackages) {
      const target = join(consumerDir, 'node_modules', name);
      await mkdir(resolve(target, '..'), { recursive: true });
      await symlink(resolve(repoRoot, 'node_modules', name), target, 'dir');
    }
    return {
      consumerDir,
      files: entry.files.map((file) => file.path),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

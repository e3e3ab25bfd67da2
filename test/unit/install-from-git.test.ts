/**
 * `npm install git+https://…` (here git+file:// of a repository holding this working tree): dist/ is not in git, so
 * npm must build it (package.json `prepare`, run after npm installed the devDependencies in its own clone) for the
 * installed package to have any code.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  commitWorkingTree,
  emptyProject,
  hasGit,
  npm,
  packageSurface,
  tempDir,
  useEveryEntryPoint,
} from '../helpers/package-install.js';

const gitAvailable = await hasGit();
if (!gitAvailable) console.log('install-from-git: no git on this machine, skipped');

describe.skipIf(!gitAvailable)('installing from a git URL', () => {
  it('builds the package (prepare): every entry point imports and requires, both executables run', async () => {
    const dir = tempDir('secretstorage-git-');
    try {
      const repo = await commitWorkingTree(dir);
      const app = emptyProject(dir, 'app');
      await npm(['install', `git+file://${repo}`], app);
      const { entryPoints, version } = packageSurface();
      const { imported, required, bins } = await useEveryEntryPoint(app);
      expect(Object.keys(imported)).toEqual(entryPoints);
      for (const name of entryPoints) {
        expect(imported[name].length, name).toBeGreaterThan(0);
        expect(required[name], name).toEqual(imported[name]);
      }
      expect(bins.secretstorage.trim()).toBe(version);
      expect(bins['user-secrets']).toContain('user-secrets');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

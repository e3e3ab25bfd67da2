/**
 * package-lock.json describes package.json as it is: otherwise the first `npm install` in a fresh clone rewrites the
 * lock file (stale `bin` paths did) and leaves the working tree dirty.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.js';

const read = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));

describe('package-lock.json', () => {
  const pkg = read('package.json');
  const lock = read('package-lock.json');
  const root = lock.packages[''];

  it('names the same package and version', () => {
    expect([lock.name, lock.version, root.name, root.version]).toEqual([pkg.name, pkg.version, pkg.name, pkg.version]);
  });

  it.each(['bin', 'dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'engines', 'license'])(
    'records package.json’s %s as it is',
    (field) => {
      expect(root[field], `run \`npm install\` and commit package-lock.json`).toEqual(pkg[field]);
    },
  );

  it('locks every devDependency', () => {
    for (const name of Object.keys(pkg.devDependencies ?? {})) {
      expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
    }
  });
});

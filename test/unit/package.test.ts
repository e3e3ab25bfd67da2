import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

// Runs against the build (`npm test` builds first), resolving the package by its own name as a user would.
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: root, encoding: 'utf8' });

describe('the published package', () => {
  it('works with import and with require, with types next to both builds', async () => {
    const esm = await run([
      '--input-type=module',
      '-e',
      "import * as s from 'secretstorage'; console.log(typeof s.dbusInit, typeof s.LockedException)",
    ]);
    expect(esm.stdout.trim()).toBe('function function');
    const cjs = await run([
      '-e',
      "const s = require('secretstorage'); console.log(typeof s.dbusInit, typeof s.getDefaultCollection)",
    ]);
    expect(cjs.stdout.trim()).toBe('function function');
    const testing = await run(['-e', "console.log(typeof require('secretstorage/testing').startHeadlessKeyring)"]);
    expect(testing.stdout.trim()).toBe('function');
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${root}/dist/esm/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}/dist/cjs/index.d.ts`)).toBe(true);
  });

  it('shares one copy of the core between entry points, with import and with require', async () => {
    // Each entry point of the bundles imports the shared code from common chunks, so an error thrown through one entry
    // point is an instance of the class another exports.
    const check = `try { keytar.getPassword('', 'account') } catch (error) { console.log(error instanceof core.InvalidArgumentError) }`;
    const esm = await run([
      '--input-type=module',
      '-e',
      `import * as core from 'secretstorage'; import keytar from 'secretstorage/keytar'; ${check}`,
    ]);
    expect(esm.stdout.trim()).toBe('true');
    const cjs = await run([
      '-e',
      `const core = require('secretstorage'); const keytar = require('secretstorage/keytar'); ${check}`,
    ]);
    expect(cjs.stdout.trim()).toBe('true');
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${root}/dist/cjs/connection.js`)).toBe(false); // bundled, not one file per module
  });

  it('has no install scripts and no runtime dependencies', async () => {
    const pkg = JSON.parse((await import('node:fs')).readFileSync(`${root}/package.json`, 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    expect(Object.keys(pkg.scripts ?? {}).filter((name) => /^(pre|post)?install$/.test(name))).toEqual([]);
    expect(pkg.dependencies ?? {}).toEqual({}); // Node's own modules only: nothing to install, build or audit
  });
});

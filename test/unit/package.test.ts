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
    // Function names survive bundling too (keepNames), so stack traces say getPassword, not getPassword2.
    const check = `try { keytar.getPassword('', 'account') } catch (error) { console.log(error instanceof core.InvalidArgumentError, keytar.getPassword.name) }`;
    const esm = await run([
      '--input-type=module',
      '-e',
      `import * as core from 'secretstorage'; import keytar from 'secretstorage/keytar'; ${check}`,
    ]);
    expect(esm.stdout.trim()).toBe('true getPassword');
    const cjs = await run([
      '-e',
      `const core = require('secretstorage'); const keytar = require('secretstorage/keytar'); ${check}`,
    ]);
    expect(cjs.stdout.trim()).toBe('true getPassword');
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${root}/dist/cjs/connection.js`)).toBe(false); // bundled, not one file per module
  });

  it('recognises errors across its two builds with instanceof, when one process both imports and requires it', async () => {
    const check = `
      import { createRequire } from 'node:module';
      import * as esm from 'secretstorage';
      import esmKeytar from 'secretstorage/keytar';
      const cjs = createRequire(process.cwd() + '/')('secretstorage');
      const results = [];
      try { await esmKeytar.getPassword('', 'account') } catch (error) { results.push(error instanceof cjs.InvalidArgumentError) }
      const locked = new cjs.LockedException('locked');
      results.push(esm.LockedException !== cjs.LockedException, locked instanceof esm.LockedException,
        locked instanceof esm.SecretStorageError, locked instanceof esm.ItemNotFoundException);
      console.log(results.join(' '));`;
    const { stdout } = await run(['--input-type=module', '-e', check]);
    expect(stdout.trim()).toBe('true true true true false');
  });

  it("loads the user's own dotenv (an optional peer dependency, installed here for development), never a bundled copy", async () => {
    const parse = `(await m.dotenvParser()).name + ' ' + JSON.stringify((await m.dotenvParser()).parse('A=1'))`;
    const esm = await run([
      '--input-type=module',
      '-e',
      `const m = await import('secretstorage/user-secrets'); console.log(${parse})`,
    ]);
    expect(esm.stdout.trim()).toBe('dotenv {"A":"1"}');
    const cjs = await run([
      '-e',
      `(async () => { const m = require('secretstorage/user-secrets'); console.log(${parse}) })()`,
    ]);
    expect(cjs.stdout.trim()).toBe('dotenv {"A":"1"}');
  });

  it('ships its command-line programs as executable single files, the headless supervisor beside them', async () => {
    const { accessSync, constants, existsSync, readFileSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { bin: Record<string, string> };
    expect(Object.keys(pkg.bin).sort()).toEqual(['secretstorage', 'user-secrets']);
    for (const bin of Object.values(pkg.bin)) {
      accessSync(`${root}/${bin}`, constants.X_OK);
      expect(readFileSync(`${root}/${bin}`, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
      expect(readFileSync(`${root}/${bin}`, 'utf8')).not.toMatch(/from "\.\.?\//); // no chunk to find at run time
    }
    expect(existsSync(`${dirname(`${root}/${pkg.bin.secretstorage}`)}/headless-supervisor.js`)).toBe(true);
    const version = await run([`${root}/${pkg.bin.secretstorage}`, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run([`${root}/${pkg.bin['user-secrets']}`, '--help']);
    expect(help.stdout).toContain('user-secrets');
  });

  it('has no install scripts and no runtime dependencies', async () => {
    const pkg = JSON.parse((await import('node:fs')).readFileSync(`${root}/package.json`, 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    expect(Object.keys(pkg.scripts ?? {}).filter((name) => /^(pre|post)?install$/.test(name))).toEqual([]);
    expect(pkg.dependencies ?? {}).toEqual({}); // Node's own modules only: nothing to install, build or audit
  });

  it('installs from its tarball (npm pack) and works there: import, require, types, executables; no unused files', async () => {
    const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/secretstorage-pack-`);
    const npm = (args: string[], cwd: string) =>
      promisify(execFile)('npm', args, {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, npm_config_update_notifier: 'false' },
      });
    try {
      const packed = await npm(['pack', '--json', '--pack-destination', dir], root);
      const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
      const shipped = files.map((file) => file.path);
      expect(shipped).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      // dist/esm carries the types; its JavaScript (tsc's one file per module) is not what the exports point to.
      expect(shipped.filter((path) => path.startsWith('dist/esm/') && /\.js(\.map)?$/.test(path))).toEqual([]);
      const app = `${dir}/app`;
      mkdirSync(app);
      writeFileSync(`${app}/package.json`, JSON.stringify({ name: 'app', private: true, type: 'module' }));
      await npm(['install', '--offline', '--no-audit', '--no-fund', `${dir}/${filename}`], app);
      const node = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: app, encoding: 'utf8' });
      const esm = await node([
        '--input-type=module',
        '-e',
        "import { dbusInit } from 'secretstorage'; import keytar from 'secretstorage/keytar'; console.log(typeof dbusInit, typeof keytar.getPassword)",
      ]);
      expect(esm.stdout.trim()).toBe('function function');
      const cjs = await node([
        '-e',
        "const { searchItems } = require('secretstorage'); const { getPassword } = require('secretstorage/keyring'); console.log(typeof searchItems, typeof getPassword)",
      ]);
      expect(cjs.stdout.trim()).toBe('function function');
      expect((await node([`${app}/node_modules/.bin/secretstorage`, '--version'])).stdout.trim()).toBe(
        (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }).version,
      );
      // The declarations resolve through the exports map, for ES module and CommonJS consumers alike.
      writeFileSync(
        `${app}/check.mts`,
        "import { dbusInit, type Connection } from 'secretstorage';\nimport keytar from 'secretstorage/keytar';\n" +
          'const c: Promise<Connection> = dbusInit();\nconst p: Promise<string | null> = keytar.getPassword("s", "a");\nvoid c; void p;\n',
      );
      writeFileSync(
        `${app}/check.cts`,
        "import secretstorage = require('secretstorage');\nconst c: Promise<secretstorage.Connection> = secretstorage.dbusInit();\nvoid c;\n",
      );
      const tsc = `${root}/node_modules/typescript/bin/tsc`;
      const strict = [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
      ];
      await node([tsc, ...strict, '--typeRoots', `${root}/node_modules/@types`, 'check.mts', 'check.cts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

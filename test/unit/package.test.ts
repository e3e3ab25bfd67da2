import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  emptyProject,
  npm,
  packWorkingTree,
  packageSurface,
  tempDir,
  useEveryEntryPoint,
} from '../helpers/package-install.js';

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

  it('ships its command-line programs as small executables that load the library’s own chunks: one copy of the code', async () => {
    const { accessSync, constants, existsSync, readFileSync, readdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { bin: Record<string, string> };
    expect(Object.keys(pkg.bin).sort()).toEqual(['secretstorage', 'user-secrets']);
    for (const bin of Object.values(pkg.bin)) {
      accessSync(`${root}/${bin}`, constants.X_OK);
      expect(readFileSync(`${root}/${bin}`, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    }
    expect(existsSync(`${dirname(`${root}/${pkg.bin.secretstorage}`)}/headless-supervisor.js`)).toBe(true);
    // Each class is defined in exactly one file of dist/bundle, which the library and the executables both load.
    const files = readdirSync(`${root}/dist/bundle`, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.js'),
    );
    for (const definition of [
      /\bSecretStorageError = class\b/,
      /\bCollection = class\b/,
      /\bDBusConnection = class\b/,
    ]) {
      const defining = files.filter((file) => definition.test(readFileSync(`${root}/dist/bundle/${file}`, 'utf8')));
      expect(defining, String(definition)).toHaveLength(1);
    }
    // The CommonJS build is the library's: no copy of the executables there.
    expect(existsSync(`${root}/dist/cjs/cli`)).toBe(false);
    const version = await run([`${root}/${pkg.bin.secretstorage}`, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run([`${root}/${pkg.bin['user-secrets']}`, '--help']);
    expect(help.stdout).toContain('user-secrets');
  });

  it('loads only what a program needs at start: no keyring-file or portal code on the Secret Service, no node:fs module view, one CLI command', async () => {
    const { readFileSync } = await import('node:fs');
    const { dirname, resolve } = await import('node:path');
    // Every file an ES module loads before it runs (its static imports, transitively), and their text.
    const staticGraph = (entry: string) => {
      const seen = new Map<string, string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        const text = readFileSync(file, 'utf8');
        seen.set(file, text);
        for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gms)) {
          if (spec) visit(resolve(dirname(file), spec));
        }
      };
      visit(`${root}/dist/bundle/${entry}`);
      return [...seen.values()].join('\n');
    };
    const fileBackend = /\bKeyringFile = class\b|\bfunction retrievePortalSecret\b/;
    // Nor an ES module import of node:fs, whose module view loads Node's file streams (src/node-fs.ts).
    const importsFs = /from\s*"node:fs"/;
    for (const entry of ['index.js', 'keytar.js']) {
      expect(staticGraph(entry), entry).not.toMatch(fileBackend);
      expect(staticGraph(entry), entry).not.toMatch(importsFs);
    }
    // The CLI's dispatcher loads a command's file only to run it (`get`'s help text is in its own file), and `get`
    // does not load the keyring file's code.
    const { readdirSync } = await import('node:fs');
    const chunk = (prefix: string) => {
      const found = readdirSync(`${root}/dist/bundle/chunks`).filter((file) => file.startsWith(`${prefix}-`));
      expect(found, prefix).toHaveLength(1);
      return `chunks/${found[0]}`;
    };
    const dispatcher = staticGraph(chunk('main'));
    expect(dispatcher).toContain('unknown command');
    expect(dispatcher).not.toContain('Prints the password stored for SERVICE');
    expect(dispatcher).not.toMatch(fileBackend);
    const get = staticGraph(chunk('get'));
    expect(get).toContain('Prints the password stored for SERVICE');
    expect(get).not.toMatch(fileBackend);
    expect(get).not.toMatch(importsFs);
  });

  it('has no install scripts and no runtime dependencies', async () => {
    const pkg = JSON.parse((await import('node:fs')).readFileSync(`${root}/package.json`, 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    expect(Object.keys(pkg.scripts ?? {}).filter((name) => /^(pre|post)?install$/.test(name))).toEqual([]);
    expect(pkg.dependencies ?? {}).toEqual({}); // Node's own modules only: nothing to install, build or audit
  });

  it('installs from its tarball (npm pack builds afresh): every entry point imports and requires, executables run; no unused files', async () => {
    const dir = tempDir('secretstorage-pack-');
    try {
      const { tarball, files } = await packWorkingTree(dir);
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      // dist/esm carries the types; its JavaScript (tsc's one file per module) is not what the exports point to.
      expect(files.filter((path) => path.startsWith('dist/esm/') && /\.js(\.map)?$/.test(path))).toEqual([]);
      // No source maps: they would point into src/, which is not shipped (docs/development.md, What ships).
      expect(files.filter((path) => path.endsWith('.map'))).toEqual([]);
      const app = emptyProject(dir, 'app');
      await npm(['install', '--offline', tarball], app);
      const { entryPoints, version } = packageSurface();
      const { imported, required, bins } = await useEveryEntryPoint(app);
      for (const name of entryPoints) {
        expect(imported[name].length, name).toBeGreaterThan(0);
        expect(required[name], name).toEqual(imported[name]);
      }
      expect(bins.secretstorage.trim()).toBe(version);
      expect(bins['user-secrets']).toContain('user-secrets');
      await checkTypesInEveryResolution(app);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

/**
 * Every entry point's declarations resolve, and type-check a use of it, under each moduleResolution TypeScript users
 * have: node10 (the default of `module: commonjs`, e.g. VS Code extensions and Electron apps that use keytar), node16
 * and nodenext (from an ES module and from a CommonJS file), and bundler.
 */
async function checkTypesInEveryResolution(app: string): Promise<void> {
  const uses = [
    "import { dbusInit, type Connection } from 'secretstorage';",
    "import keytar, { findCredentials } from 'secretstorage/keytar';",
    "import * as keytarNamespace from 'secretstorage/keytar';",
    "import { getPassword } from 'secretstorage/keyring';",
    "import { startHeadlessKeyring } from 'secretstorage/testing';",
    "import { UserSecretsManager } from 'secretstorage/user-secrets';",
    'const connection: Promise<Connection> = dbusInit();',
    "const password: Promise<string | null> = keytar.getPassword('service', 'account');",
    "const credentials: Promise<Array<{ account: string; password: string }>> = findCredentials('service');",
    "const deleted: Promise<boolean> = keytarNamespace.deletePassword('service', 'account');",
    "const stored: Promise<string | null> = getPassword('service', 'account');",
    'void [connection, password, credentials, deleted, stored, startHeadlessKeyring, UserSecretsManager];',
    '',
  ].join('\n');
  const required = [
    "import secretstorage = require('secretstorage');",
    "import keytar = require('secretstorage/keytar');",
    "import keyring = require('secretstorage/keyring');",
    "import testing = require('secretstorage/testing');",
    "import userSecrets = require('secretstorage/user-secrets');",
    'const connection: Promise<secretstorage.Connection> = secretstorage.dbusInit();',
    "const password: Promise<string | null> = keytar.getPassword('service', 'account');",
    "const stored: Promise<string | null> = keyring.getPassword('service', 'account');",
    'void [connection, password, stored, testing.startHeadlessKeyring, userSecrets.UserSecretsManager];',
    '',
  ].join('\n');
  const cases: Array<{ resolution: string; module: string; files: Record<string, string> }> = [
    { resolution: 'node10', module: 'commonjs', files: { 'uses.ts': uses, 'required.ts': required } },
    { resolution: 'node16', module: 'node16', files: { 'uses.mts': uses, 'uses.cts': uses, 'required.cts': required } },
    {
      resolution: 'nodenext',
      module: 'nodenext',
      files: { 'uses.mts': uses, 'uses.cts': uses, 'required.cts': required },
    },
    { resolution: 'bundler', module: 'esnext', files: { 'uses.ts': uses } },
  ];
  const tsc = `${root}/node_modules/typescript/bin/tsc`;
  for (const { resolution, module, files } of cases) {
    const folder = `${app}/types-${resolution}`;
    mkdirSync(folder);
    for (const [name, text] of Object.entries(files)) writeFileSync(`${folder}/${name}`, text);
    const args = [
      ...['--noEmit', '--strict', '--esModuleInterop', '--skipLibCheck'],
      ...['--module', module, '--moduleResolution', resolution, '--target', 'es2022'],
      ...['--types', 'node', '--typeRoots', `${root}/node_modules/@types`],
      ...Object.keys(files),
    ];
    const result = await promisify(execFile)(process.execPath, [tsc, ...args], { cwd: folder, encoding: 'utf8' }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result, `moduleResolution ${resolution}`).toBe('');
  }
}

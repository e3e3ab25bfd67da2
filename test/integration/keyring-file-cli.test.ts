/**
 * The keyring-file backend through the CLI and beside a real Secret Service: `SECRETSTORAGE_BACKEND=file` switches
 * get/set/delete/search with no bus at all, `diagnose` says which backend and why, `copy` moves secrets between a
 * gnome-keyring (private bus) and a file both ways, and NoBackendError names the file as a way out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeKeyringFiles } from '../../src/backend/choose.js';
import { NoBackendError } from '../../src/errors.js';
import { Collection, getDefaultCollection, searchItems } from '../../src/index.js';
import { diagnose, getPassword, searchItemDetails, storePassword } from '../../src/keyring/index.js';
import { cli } from '../helpers/cli.js';
import { useKeyring } from '../helpers/keyring.js';

const dir = mkdtempSync(join(tmpdir(), 'secretstorage-file-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => closeKeyringFiles());
let counter = 0;
const freshPath = () => join(dir, `k${++counter}.keyring`);

/** No bus at all: only the file variables (and HOME, so nothing falls back to the real home). */
const fileEnv = (path: string, password = 'pw') => ({
  HOME: dir,
  SECRETSTORAGE_BACKEND: 'file',
  SECRETSTORAGE_FILE_PATH: path,
  SECRETSTORAGE_FILE_PASSWORD: password,
});

describe('the CLI over a keyring file, with no bus', () => {
  it('set, get, search (with created and modified), delete', async () => {
    const env = fileEnv(freshPath());
    expect((await cli(['set', 'svc', 'ann'], env, 'pw ✓')).code).toBe(0);
    const got = await cli(['get', 'svc', 'ann'], env);
    expect(got).toMatchObject({ code: 0, stdout: 'pw ✓' });
    const search = await cli(['search', 'svc', '--json', '--show-secrets'], env);
    expect(search.code).toBe(0);
    const [item] = JSON.parse(search.stdout).items ?? JSON.parse(search.stdout);
    expect(item.attributes).toEqual({ service: 'svc', username: 'ann', application: 'Python keyring library' });
    expect(JSON.stringify(item)).toContain('pw ✓');
    const [found] = await searchItemDetails(
      { service: 'svc' },
      { backend: 'file', filePath: env.SECRETSTORAGE_FILE_PATH, filePassword: 'pw' },
    );
    expect(found.created).toBeGreaterThan(1_700_000_000);
    expect(found.modified).toBeGreaterThanOrEqual(found.created);
    expect((await cli(['delete', 'svc', 'ann'], env)).code).toBe(0);
    expect((await cli(['get', 'svc', 'ann'], env)).code).toBe(1);
  });

  it('a wrong password exits 3 and a damaged file 6, each with the typed error', async () => {
    const path = freshPath();
    await cli(['set', 'svc', 'ann'], fileEnv(path), 'x');
    const wrong = await cli(['get', 'svc', 'ann'], fileEnv(path, 'nope'));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/does not open the keyring file/);
    const bad = join(dir, 'bad.keyring');
    (await import('node:fs')).writeFileSync(bad, 'GnomeKeyring\n\r\0\n\x01\x00abc');
    const damaged = await cli(['get', 'svc', 'ann'], fileEnv(bad));
    expect(damaged.code).toBe(6);
    expect(damaged.stderr).toMatch(/truncated or damaged/);
  });

  it('diagnose reports the file backend, why, and the file state', async () => {
    const path = freshPath();
    const empty = await diagnose({ env: fileEnv(path) });
    expect(empty.backend).toMatchObject({ kind: 'file', path });
    expect(empty.verdict).toBe('ok');
    expect(empty.checks.map((check) => check.id)).toEqual(['backend', 'keyring-file']);
    await storePassword('svc', 'u', 'p', { env: fileEnv(path) });
    const text = await cli(['diagnose'], fileEnv(path));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/SECRETSTORAGE_BACKEND=file/);
    expect(text.stdout).toMatch(/holds 1 item/);
    const wrong = await diagnose({ env: fileEnv(path, 'nope') });
    expect(wrong.verdict).toBe('incomplete');
    expect(wrong.checks.at(-1)).toMatchObject({ id: 'keyring-file', status: 'problem' });
    const noPassword = await diagnose({ env: { HOME: dir, SECRETSTORAGE_BACKEND: 'file' } });
    expect(noPassword.checks[0].summary).toMatch(/SECRETSTORAGE_FILE_PASSWORD/);
  });

  it('without a bus, NoBackendError and diagnose name the keyring file as a way out', async () => {
    const error = await getPassword('s', 'u', { env: { HOME: dir } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBackendError);
    expect((error as Error).message).toMatch(/secretstorage headless.*SECRETSTORAGE_BACKEND=file/s);
    const report = await diagnose({ env: { HOME: dir } });
    expect(report.backend).toMatchObject({ kind: 'secret-service' });
    expect(report.checks.find((check) => check.id === 'bus-address')?.fix).toMatch(/SECRETSTORAGE_BACKEND=file/);
  });
});

describe('where only Node is installed', () => {
  it('the demo (examples/demo.mjs, on the build) says so and runs on a throwaway keyring file', async () => {
    const nodeOnly = join(dir, 'node-only-bin');
    (await import('node:fs')).mkdirSync(nodeOnly, { recursive: true });
    (await import('node:fs')).symlinkSync(process.execPath, join(nodeOnly, 'node'));
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
      execFile(
        join(nodeOnly, 'node'),
        [fileURLToPath(new URL('../../examples/demo.mjs', import.meta.url))],
        { env: { HOME: dir, PATH: nodeOnly } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out })),
      ),
    );
    expect(stdout).toMatch(/Using a throwaway keyring file, .*demo\.keyring/);
    expect(stdout).toMatch(/dbus-daemon is not installed/);
    expect(stdout).toMatch(/Secret {3}mysecretpassword/);
    expect(stdout).toMatch(/search now finds 0 items/);
  });

  it('neither the password nor a secret shows in an inspected keyring file or a diagnose report', async () => {
    const path = freshPath();
    const env = fileEnv(path, 'very-secret-password');
    await storePassword('svc', 'u', 'stored-secret', { env });
    const { openBackend } = await import('../../src/backend/choose.js');
    const backend = await openBackend({ env });
    const shown = (await import('node:util')).inspect(backend, { depth: 5 });
    expect(shown).not.toMatch(/very-secret-password|stored-secret/);
    expect(JSON.stringify(backend.choice)).not.toContain('very-secret-password');
    expect(JSON.stringify(await diagnose({ env }))).not.toMatch(/very-secret-password|stored-secret/);
    if (backend.kind === 'file')
      expect((await import('node:util')).inspect(backend.file)).toBe(`KeyringFile { path: ${JSON.stringify(path)} }`);
  });
});

describe('user-secrets over a keyring file, with no bus', () => {
  it('init, set, get, list, info, remove, clear; secret-tool in file mode sees the items', async () => {
    const path = freshPath();
    const env = fileEnv(path);
    const project = mkdtempSync(join(dir, 'project-'));
    const us = (args: string[], stdin = '') => cli(['user-secrets', ...args, '-p', project], env, stdin);
    expect((await us(['init'])).code).toBe(0);
    expect((await us(['set', 'API_KEY'], 'sk-1 ✓\n')).code).toBe(0);
    expect((await us(['set', 'OTHER'], 'two\n')).code).toBe(0);
    expect((await us(['set', 'API_KEY'], 'sk-2\n')).code).toBe(0);
    expect(await us(['get', 'API_KEY'])).toMatchObject({ code: 0, stdout: 'sk-2' });
    expect((await us(['list'])).stdout).toBe('API_KEY\nOTHER\n');
    const info = JSON.parse((await us(['info', '--json'])).stdout);
    expect(info).toMatchObject({ count: 2, collection: path });
    const lookup = await new Promise<string>((resolve, reject) =>
      execFile(
        'secret-tool',
        ['lookup', 'key', 'OTHER', 'application', 'secretstorage user-secrets'],
        {
          env: {
            PATH: process.env.PATH,
            SECRET_BACKEND: 'file',
            SECRET_FILE_TEST_PATH: path,
            SECRET_FILE_TEST_PASSWORD: 'pw',
          },
        },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(lookup).toBe('two');
    // run gives the command its secrets, not the keyring file's password.
    const check = 'test -z "${SECRETSTORAGE_FILE_PASSWORD+set}" && test "$API_KEY" = sk-2';
    expect((await cli(['user-secrets', 'run', '-p', project, '--', 'sh', '-c', check], env)).code).toBe(0);
    expect((await us(['remove', 'OTHER'])).code).toBe(0);
    expect(JSON.parse((await us(['clear', '--json'])).stdout)).toEqual({ removed: 1 });
    expect((await us(['list'])).stderr).toMatch(/No secrets stored/);
  });
});

describe('copy between a gnome-keyring and a keyring file', () => {
  const k = useKeyring();

  it('--to-file, then --from-file into an emptied service, keeps labels, attributes and secrets; twice is once', async () => {
    const path = freshPath();
    const bus = { DBUS_SESSION_BUS_ADDRESS: k.address };
    const service = `copy-${process.pid}`;
    await storePassword(service, 'a', 'first', { address: k.address });
    await storePassword(service, 'b', 'second ✓', { address: k.address, profile: 'keytar' });
    const env = { ...bus, HOME: dir, SECRETSTORAGE_FILE_PASSWORD: 'pw' };
    const toFile = await cli(['copy', '--to-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect(toFile.code).toBe(0);
    expect(JSON.parse(toFile.stdout)).toMatchObject({ file: path, created: 2, replaced: 0 });
    const again = await cli(['copy', '--to-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, replaced: 2 });
    const fileOptions = { backend: 'file', filePath: path, filePassword: 'pw' } as const;
    expect(await getPassword(service, 'a', fileOptions)).toBe('first');
    expect(await getPassword(service, 'b', { ...fileOptions, profile: 'keytar' })).toBe('second ✓');
    const [inFile] = await searchItemDetails({ service, username: 'a' }, fileOptions);
    expect(inFile.label).toBe(`Password for 'a' on '${service}'`);

    // Empty the service's copies, then bring them back from the file.
    for (const user of ['a', 'b']) await cli(['delete', service, user], bus);
    expect(await getPassword(service, 'a', { address: k.address })).toBeNull();
    const fromFile = await cli(['copy', '--from-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ created: 2, replaced: 0 });
    expect(await getPassword(service, 'a', { address: k.address })).toBe('first');
    expect(await getPassword(service, 'b', { address: k.address, profile: 'keytar' })).toBe('second ✓');
    const back = await searchItemDetails({ service, username: 'a' }, { address: k.address });
    expect(back.map((item) => item.label)).toEqual([`Password for 'a' on '${service}'`]);
    for (const user of ['a', 'b']) await cli(['delete', service, user], bus);
  });

  it('copies over nothing it should not: an item with one attribute more stays; same attributes in two collections are two', async () => {
    const path = freshPath();
    const service = `copy-keep-${process.pid}`;
    const env = { DBUS_SESSION_BUS_ADDRESS: k.address, HOME: dir, SECRETSTORAGE_FILE_PASSWORD: 'pw' };
    const login = getDefaultCollection(k.conn);
    const session = new Collection(k.conn, '/org/freedesktop/secrets/collection/session');
    const inLogin = await login.createItem('login one', { service, twin: '1' }, 'from login');
    const inSession = await session.createItem('session one', { service, twin: '1' }, 'from session');
    const toFile = await cli(['copy', '--to-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect(JSON.parse(toFile.stdout)).toMatchObject({ created: 2, replaced: 0 });
    const fileOptions = { backend: 'file', filePath: path, filePassword: 'pw' } as const;
    expect((await searchItemDetails({ service }, fileOptions)).map((item) => item.label).sort()).toEqual([
      'login one',
      'session one',
    ]);
    await Promise.all([inLogin.delete(), inSession.delete()]);

    // gnome-keyring's CreateItem(replace) replaces any item whose attributes include the new ones: another
    // application's item (one attribute more) must not be overwritten by the copied item.
    const onlyService = freshPath();
    const file = { ...fileOptions, filePath: onlyService };
    await storePassword(service, 'alice', 'file secret', file); // {username, service, application}
    expect(await searchItemDetails({ service }, file)).toHaveLength(1);
    const precious = await login.createItem(
      'precious',
      { username: 'alice', service, application: 'Python keyring library', extra: 'another app' },
      'precious',
    );
    const fromFile = await cli(
      ['copy', '--from-file', '--file', onlyService, '--attr', `service=${service}`, '--json'],
      env,
    );
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ created: 1, replaced: 0 });
    expect((await precious.getSecret()).toString()).toBe('precious');
    expect(await precious.getLabel()).toBe('precious');
    const copied = await searchItems(k.conn, { service });
    expect(copied).toHaveLength(2);
    // Again: the copied item, and only it, is replaced.
    const again = await cli(
      ['copy', '--from-file', '--file', onlyService, '--attr', `service=${service}`, '--json'],
      env,
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, replaced: 1 });
    expect(await searchItems(k.conn, { service })).toHaveLength(2);
    expect((await precious.getSecret()).toString()).toBe('precious');
    for (const item of await searchItems(k.conn, { service })) await item.delete();

    // A path that names no file is an error, not "0 items copied".
    const missing = await cli(['copy', '--from-file', '--file', join(dir, 'no-such.keyring'), '--json'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/there is no keyring file at .*no-such\.keyring; nothing was copied/);
  });

  it('a secret that is not UTF-8 (gnome-keyring calls it text/plain) goes to the file and back byte for byte', async () => {
    const path = freshPath();
    const service = `copy-bytes-${process.pid}`;
    const bytes = Buffer.from([0xff, 0x00, 0x01, 0x80]);
    const collection = getDefaultCollection(k.conn);
    await collection.createItem('bytes', { service, n: '1' }, bytes); // application/octet-stream, reported text/plain
    await collection.createItem('text', { service, n: '2' }, 'plain ✓');
    const env = { DBUS_SESSION_BUS_ADDRESS: k.address, HOME: dir, SECRETSTORAGE_FILE_PASSWORD: 'pw' };
    const toFile = await cli(['copy', '--to-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect([toFile.code, toFile.stderr]).toEqual([0, '']);
    for (const item of await searchItems(k.conn, { service })) await item.delete();
    const fromFile = await cli(['copy', '--from-file', '--file', path, '--attr', `service=${service}`, '--json'], env);
    expect([fromFile.code, fromFile.stderr]).toEqual([0, '']);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ created: 2 });
    const [restored] = await searchItems(k.conn, { service, n: '1' });
    expect(await restored.getSecret()).toEqual(bytes);
    const [text] = await searchItems(k.conn, { service, n: '2' });
    expect((await text.getSecret()).toString()).toBe('plain ✓');
    for (const item of await searchItems(k.conn, { service })) await item.delete();
  });
});

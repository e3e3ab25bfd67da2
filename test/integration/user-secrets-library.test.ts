import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inspect } from 'node:util';
import { execFileSync } from 'node:child_process';
import {
  LockedException,
  NoBackendError,
  getDefaultCollection,
  searchItems,
  unlockWithPassword,
} from '../../src/index.js';
import {
  ImportIncompleteError,
  InvalidProjectIdError,
  InvalidSecretKeyError,
  ProjectNotInitialisedError,
  USER_SECRETS_SCHEMA,
  UserSecretsManager,
  applyImport,
  initUserSecrets,
  planImport,
  integrateWithDotenv,
} from '../../src/user-secrets/index.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { noPasswordCollections, storedAttributes, useKeyring } from '../helpers/keyring.js';

const k = useKeyring({ restartKeyring: false }); // a test kills the daemon and restarts it itself
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function project(envText?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'us-lib-'));
  dirs.push(dir);
  if (envText !== undefined) writeFileSync(join(dir, '.env'), envText);
  return dir;
}

const open = (projectDir: string, init = false) => UserSecretsManager.open({ projectDir, init, connection: k.conn });

describe('user secrets on a real gnome-keyring', () => {
  it('goes through the whole life cycle: init, set, get, list, getAll, replace, delete, clear, info', async () => {
    const dir = project('# settings\nDEBUG=1\n');
    const manager = await open(dir, true);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`# settings\nDEBUG=1\nENV_SECRETS_ID=${manager.id}\n`);
    await manager.set('API_KEY', 'sk-live-ü 🔑');
    await manager.set('DATABASE_URL', 'postgres://u:p@h/db?x=1#frag');
    await manager.set('Movies:ServiceApiKey', '12345');
    expect(await manager.get('API_KEY')).toBe('sk-live-ü 🔑');
    expect(await manager.get('MISSING')).toBeUndefined();
    expect(await manager.list()).toEqual(['API_KEY', 'DATABASE_URL', 'Movies:ServiceApiKey']);
    await manager.set('API_KEY', 'rotated');
    expect(await manager.getAll()).toEqual({
      API_KEY: 'rotated',
      DATABASE_URL: 'postgres://u:p@h/db?x=1#frag',
      'Movies:ServiceApiKey': '12345',
    });
    const items = await searchItems(k.conn, { 'user-secrets-id': manager.id, key: 'API_KEY' });
    expect(items).toHaveLength(1);
    expect(await items[0].getLabel()).toBe(`API_KEY (${basename(dir)})`);
    expect(storedAttributes(await items[0].getAttributes())).toEqual({
      'xdg:schema': USER_SECRETS_SCHEMA,
      application: 'secretstorage user-secrets',
      'user-secrets-id': manager.id,
      key: 'API_KEY',
    });
    expect(await manager.info()).toMatchObject({
      id: manager.id,
      idSource: 'ENV_SECRETS_ID',
      count: 3,
      envFileExists: true,
    });
    expect(await manager.delete('DATABASE_URL')).toBe(true);
    expect(await manager.delete('DATABASE_URL')).toBe(false);
    expect(await manager.clear()).toBe(2);
    expect(await manager.list()).toEqual([]);
    expect(inspect(manager)).not.toMatch(/rotated/);
    await manager.close();
  });

  it('the README snippet works as written: initUserSecrets() in the project directory, on the session bus', async () => {
    const dir = project();
    const saved = { cwd: process.cwd(), bus: process.env.DBUS_SESSION_BUS_ADDRESS, key: process.env.OPENAI_API_KEY };
    process.chdir(dir);
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    delete process.env.OPENAI_API_KEY;
    try {
      const { id } = await initUserSecrets();
      const manager = await UserSecretsManager.open({ id, connection: k.conn });
      await manager.set('OPENAI_API_KEY', 'sk-live-123');
      await initUserSecrets();
      expect(process.env.OPENAI_API_KEY).toBe('sk-live-123');
    } finally {
      process.chdir(saved.cwd);
      for (const [name, value] of [
        ['DBUS_SESSION_BUS_ADDRESS', saved.bus],
        ['OPENAI_API_KEY', saved.key],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('is what secret-tool sees: schema, label and attributes, secret found by project id and key', async () => {
    const manager = await open(project(), true);
    await manager.set('TOKEN', 'from-node');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: k.address };
    const lookup = execFileSync('secret-tool', ['lookup', 'user-secrets-id', manager.id, 'key', 'TOKEN'], {
      env,
    }).toString();
    expect(lookup).toBe('from-node');
    const search = execFileSync('secret-tool', ['search', '--all', 'user-secrets-id', manager.id], {
      env,
      stdio: 'pipe',
    });
    expect(search.toString()).toContain(`schema = ${USER_SECRETS_SCHEMA}`);
  });

  it('keeps two projects apart', async () => {
    const one = await open(project(), true);
    const two = await open(project(), true);
    await one.set('SHARED', 'one');
    await two.set('SHARED', 'two');
    await two.set('ONLY_TWO', 'x');
    expect(await one.getAll()).toEqual({ SHARED: 'one' });
    expect(await two.clear()).toBe(2);
    expect(await one.getAll()).toEqual({ SHARED: 'one' });
  });

  it('initUserSecrets creates the id on first use and loads secrets; existing variables win unless override', async () => {
    const dir = project('A=1\r\n');
    const env: Record<string, string | undefined> = { API_KEY: 'from-environment' };
    const first = await initUserSecrets({ projectDir: dir, connection: k.conn, env });
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`A=1\r\nENV_SECRETS_ID=${first.id}\r\n`);
    expect(first.loaded).toEqual([]);
    const manager = await open(dir);
    await manager.set('API_KEY', 'from-keyring');
    await manager.set('OTHER', 'o');
    await manager.set('Movies:ServiceApiKey', 'm');
    const kept = await initUserSecrets({ projectDir: dir, connection: k.conn, env });
    expect(kept).toMatchObject({ id: first.id, kept: ['API_KEY'] });
    expect(env).toEqual({ API_KEY: 'from-environment', OTHER: 'o', Movies__ServiceApiKey: 'm' });
    const overridden = await initUserSecrets({ projectDir: dir, connection: k.conn, env, override: true });
    expect(overridden.kept).toEqual([]);
    expect(env.API_KEY).toBe('from-keyring');
  });

  it('integrateWithDotenv layers: environment > user secrets > .env, and override puts secrets first', async () => {
    const dir = project('DEBUG=true\nAPI_KEY=from-dotenv\nPORT=3000\n');
    const manager = await open(dir, true);
    await manager.set('API_KEY', 'from-keyring');
    await manager.set('PORT', '4000');
    const env: Record<string, string | undefined> = { PORT: '5000' };
    const result = await integrateWithDotenv({ projectDir: dir, connection: k.conn, env });
    expect(result.parser).toBe('dotenv');
    expect(env).toMatchObject({ DEBUG: 'true', API_KEY: 'from-keyring', PORT: '5000', ENV_SECRETS_ID: manager.id });
    const env2: Record<string, string | undefined> = { PORT: '5000' };
    await integrateWithDotenv({ projectDir: dir, connection: k.conn, env: env2, override: true });
    expect(env2).toMatchObject({ DEBUG: 'true', API_KEY: 'from-keyring', PORT: '4000' });
  });

  it('refuses bad input with typed errors and changes nothing', async () => {
    const bare = project();
    await expect(open(bare)).rejects.toBeInstanceOf(ProjectNotInitialisedError);
    const malformed = project('ENV_SECRETS_ID=../../etc\n');
    await expect(open(malformed, true)).rejects.toBeInstanceOf(InvalidProjectIdError);
    await expect(initUserSecrets({ projectDir: malformed, connection: k.conn })).rejects.toThrow(/is not a UUID/);
    expect(readFileSync(join(malformed, '.env'), 'utf8')).toBe('ENV_SECRETS_ID=../../etc\n');
    await expect(UserSecretsManager.open({ id: 'nope', connection: k.conn })).rejects.toBeInstanceOf(
      InvalidProjectIdError,
    );
    const manager = await open(project(), true);
    await expect(manager.set('BAD=KEY', 'x')).rejects.toBeInstanceOf(InvalidSecretKeyError);
    const nul = await manager.set('NUL', 'a\0b').catch((e: unknown) => e);
    expect((nul as Error).message).toMatch(/NUL/);
    expect(await manager.list()).toEqual([]);
  });

  // gnome-keyring's: a headless unlock prompt dismissed at once, then its password interface (KWallet and KeePassXC
  // show a dialog and wait).
  it.skipIf(noPasswordCollections)(
    'reports a locked keyring clearly, lists names while locked, and loses nothing',
    async () => {
      const manager = await open(project(), true);
      await manager.set('KEEP', 'safe');
      const collection = getDefaultCollection(k.conn);
      await collection.lock();
      try {
        expect(await manager.list()).toEqual(['KEEP']);
        const read = await manager.getAll().catch((e: unknown) => e);
        expect(read).toBeInstanceOf(LockedException);
        // The same explanation as the password API's: which collection, why no prompt, how to unlock without one.
        expect((read as Error).message).toMatch(
          /^Reading the user secrets needs the locked collection "Login" \(\/org\/freedesktop\/secrets\/collection\/login\).*secretstorage unlock --collection \/org\/freedesktop\/secrets\/collection\/login --with-password.* Nothing was changed\.$/s,
        );
        const write = await manager.set('NEW', 'x').catch((e: unknown) => e);
        expect(write).toBeInstanceOf(LockedException);
        expect((write as Error).message).toMatch(
          /^Storing the user secret NEW needs the locked collection .*Nothing was changed\.$/s,
        );
        await expect(manager.delete('KEEP')).rejects.toThrow(/^Deleting user secrets needs the locked collection/);
      } finally {
        await unlockWithPassword(k.conn, await collection.getPath(), DEFAULT_KEYRING_PASSWORD);
      }
      expect(await manager.getAll()).toEqual({ KEEP: 'safe' });
    },
  );

  it('says there is no Secret Service when the bus has none', async () => {
    const bus = await startPrivateBus();
    try {
      const dir = project();
      const error = await initUserSecrets({ projectDir: dir, dbus: { address: bus.address } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoBackendError);
      expect((error as Error).message).toMatch(/nothing provides org\.freedesktop\.secrets/i);
    } finally {
      await bus.stop();
    }
  });

  it('an import stopped half-way (the keyring daemon dies) names what was imported and what was not', async () => {
    const keyring = k.keyring;
    const dir = project();
    const manager = await UserSecretsManager.open({ projectDir: dir, init: true, connection: await k.connect() });
    const plan = await planImport(
      manager,
      new Map([
        ['A', '1'],
        ['B', '2'],
        ['C', '3'],
        ['D', '4'],
      ]),
    );
    const set = manager.set.bind(manager);
    let writes = 0;
    manager.set = async (key, value) => {
      if (++writes === 3) {
        const exited = new Promise((resolve) => keyring.processes.keyring.once('exit', resolve));
        keyring.processes.keyring.kill('SIGKILL');
        await exited;
      }
      return set(key, value);
    };
    const error = await applyImport(manager, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportIncompleteError);
    expect(error).toMatchObject({ imported: ['A', 'B'], notImported: ['C', 'D'] });
    expect((error as Error).message).toMatch(/Imported 2 key\(s\) \(A, B\); NOT imported 2: C, D/);
    await keyring.restartKeyring();
    const after = await UserSecretsManager.open({ projectDir: dir, connection: await k.connect() });
    expect(await after.getAll()).toEqual({ A: '1', B: '2' });
  });
});

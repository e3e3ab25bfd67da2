/** `secretstorage/testing` as users import it: the headless keyring, and the mock Secret Service with its presets. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Collection,
  InvalidArgumentError,
  LockedException,
  NoBackendError,
  PromptDismissedException,
  SecretStorageError,
  TimeoutException,
  dbusInit,
  getDefaultCollection,
  getSecrets,
  searchItems,
  type Connection,
} from '../../src/index.js';
import {
  CRASH_LOOP,
  DEFAULT_KEYRING_PASSWORD,
  mockScenarios,
  startHeadlessKeyring,
  startMockSecretService,
  startPrivateBus,
  type MockSecretService,
  type KeyringExit,
  type MockSecretServiceOptions,
  type PrivateBus,
} from '../../src/testing/index.js';
import { externalBusAddress } from '../helpers/keyring.js';
import { REPO_ROOT, finished, isAlive, waitForOutput, waitUntilGone } from '../helpers/processes.js';

const LOGIN = '/org/freedesktop/secrets/collection/login';
// Made in a hook, not at import: a run that skips every test here (SECRETSTORAGE_TEST_ADDRESS) runs no hooks.
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'secretstorage-testing-api-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const socketDirectory = (address: string) => dirname(address.replace(/^unix:path=/, ''));

describe.skipIf(externalBusAddress)('startHeadlessKeyring', () => {
  it('gives an address and env for a working keyring; stop() ends both daemons and removes the directories', async () => {
    const keyring = await startHeadlessKeyring();
    expect(keyring.env).toEqual({ DBUS_SESSION_BUS_ADDRESS: keyring.address });
    const conn = await dbusInit({ address: keyring.address });
    const item = await getDefaultCollection(conn).createItem('api', { test: 'testing-api' }, 'value');
    expect((await item.getSecret()).toString()).toBe('value');
    await conn.close();
    const pids = [keyring.processes.bus.pid!, keyring.processes.keyring.pid!];
    await keyring.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(socketDirectory(keyring.address))).toBe(false);
  });

  it('keeps a dataDir keyring: the same password unlocks it again, a wrong one is a LockedException', async () => {
    const dataDir = join(scratch, 'kept');
    const first = await startHeadlessKeyring({ dataDir, password: 'pw-1' });
    const conn = await dbusInit({ address: first.address });
    await getDefaultCollection(conn).createItem('kept', { test: 'kept' }, 'across runs');
    await conn.close();
    await first.stop();
    expect(existsSync(join(dataDir, 'data', 'keyrings', 'login.keyring'))).toBe(true);

    const second = await startHeadlessKeyring({ dataDir, password: Buffer.from('pw-1') });
    const again = await dbusInit({ address: second.address });
    expect(await new Collection(again, LOGIN).isLocked()).toBe(false);
    const [item] = await searchItems(again, { test: 'kept' });
    expect((await item.getSecret()).toString()).toBe('across runs');
    await again.close();
    await second.stop();

    for (const password of ['wrong', undefined]) {
      const refused = await startHeadlessKeyring({ dataDir, password }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LockedException);
      expect((refused as Error).message).toContain(`The login keyring in ${dataDir} refused the password`);
    }
  });

  it('refuses an empty password: gnome-keyring would make no login keyring', async () => {
    await expect(startHeadlessKeyring({ password: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(DEFAULT_KEYRING_PASSWORD).toBe('secretstorage');
  });

  it('names the package to install when a program is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = mkdtempSync(join(scratch, 'empty-path-'));
    try {
      const error = await startHeadlessKeyring().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NoBackendError);
      expect((error as Error).message).toBe(
        'dbus-daemon is not installed (not found on PATH). Install it: Debian/Ubuntu `sudo apt-get install dbus`, ' +
          'Fedora `sudo dnf install dbus-daemon`, Arch `sudo pacman -S dbus`.',
      );
    } finally {
      process.env.PATH = saved;
    }
  });

  it('when its owner is SIGKILLed, the watchdog ends the daemons and adopted children and removes the directories', async () => {
    const owner = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/keyring-owner.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ended = finished(owner);
    const report = JSON.parse(await waitForOutput(owner, /\n/)) as { address: string; pids: number[] };
    expect(report.pids.every(isAlive)).toBe(true);
    owner.kill('SIGKILL');
    await ended;
    expect(await waitUntilGone(report.pids)).toEqual([]);
    for (let waited = 0; existsSync(socketDirectory(report.address)) && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(existsSync(socketDirectory(report.address))).toBe(false);
  });

  it('restartKeyringOnExit: a crashed daemon is reported with its output and started again with the kept items', async () => {
    const password = Buffer.from('pw-crash');
    const exits: KeyringExit[] = [];
    const keyring = await startHeadlessKeyring({
      password,
      restartKeyringOnExit: true,
      onKeyringExit: (exit) => exits.push(exit),
    });
    password.fill(0); // the caller's buffer: the restart below unlocks with a copy
    try {
      const conn = await dbusInit({ address: keyring.address });
      await getDefaultCollection(conn).createItem('survives', { test: 'restart-on-exit' }, 'kept');
      const crashed = keyring.processes.keyring;
      // gnome-keyring's aborts are g_error(): SIGTRAP.
      crashed.kill('SIGTRAP');
      await new Promise((resolve) => crashed.once('exit', resolve));
      // Asked over and over while it comes back: never locked (a client calling at the wrong moment would be refused).
      const login = new Collection(conn, LOGIN);
      let back = false;
      const states = new Set<string>();
      const watching = (async () => {
        while (!back) states.add(await login.isLocked().then(String, (error: Error) => error.constructor.name));
      })();
      await keyring.keyringReady();
      back = true;
      await watching;
      expect([...states].filter((state) => state !== 'NoBackendError')).toEqual(['false']);
      expect(exits).toMatchObject([{ reason: 'signal SIGTRAP', output: expect.any(String), restarting: true }]);
      await expect(exits[0]!.restarted).resolves.toBeUndefined();
      expect(keyring.keyringExits).toEqual(exits);
      expect(keyring.processes.keyring).not.toBe(crashed);
      const [item] = await searchItems(conn, { test: 'restart-on-exit' });
      expect((await item!.getSecret()).toString()).toBe('kept');
      await conn.close();
    } finally {
      await keyring.stop();
    }
    expect(exits).toHaveLength(1); // stop() is not an exit on its own
  });

  it('a restart that keeps failing is tried three times, then reported; restartKeyring() after stop() says why not', async () => {
    const keyring = await startHeadlessKeyring({ restartKeyringOnExit: true });
    const path = process.env.PATH;
    try {
      const crashed = keyring.processes.keyring;
      process.env.PATH = join(scratch, 'no-programs-here'); // gnome-keyring-daemon cannot be started again
      crashed.kill('SIGSEGV');
      await new Promise((resolve) => crashed.once('exit', resolve));
      const [exit] = keyring.keyringExits;
      expect(exit).toMatchObject({ reason: 'signal SIGSEGV', restarting: true });
      await expect(exit!.restarted).rejects.toThrow(/gnome-keyring-daemon/);
      await expect(keyring.keyringReady()).rejects.toBeInstanceOf(NoBackendError);
    } finally {
      process.env.PATH = path;
      await keyring.stop();
    }
    await expect(keyring.restartKeyring()).rejects.toThrow('The headless keyring was stopped; start a new one.');
  });

  it('without restartKeyringOnExit the exit is only recorded; a clean exit, or one from a dead bus, is never restarted', async () => {
    const keyring = await startHeadlessKeyring();
    try {
      const crashed = keyring.processes.keyring;
      crashed.kill('SIGABRT');
      await new Promise((resolve) => crashed.once('exit', resolve));
      await keyring.keyringReady();
      expect(keyring.keyringExits).toEqual([
        { reason: 'signal SIGABRT', output: expect.any(String), restarting: false },
      ]);
      expect(keyring.processes.keyring).toBe(crashed);
    } finally {
      await keyring.stop();
    }
    const restarting = await startHeadlessKeyring({ restartKeyringOnExit: true });
    try {
      // SIGTERM from someone else: gnome-keyring exits cleanly (code 0), as when it is replaced; not a crash.
      const stopped = restarting.processes.keyring;
      stopped.kill('SIGTERM');
      await new Promise((resolve) => stopped.once('exit', resolve));
      await restarting.keyringReady();
      expect(restarting.keyringExits).toEqual([
        { reason: 'code 0', output: expect.any(String), restarting: false, notRestarted: 'clean exit' },
      ]);
      await restarting.restartKeyring();
      const daemon = restarting.processes.keyring;
      const left = new Promise((resolve) => daemon.once('exit', resolve));
      restarting.processes.bus.kill('SIGKILL');
      await left;
      expect(restarting.keyringExits.slice(1)).toEqual([
        {
          reason: expect.any(String),
          output: expect.any(String),
          restarting: false,
          notRestarted: expect.stringMatching(/^(clean exit|bus gone)$/),
        },
      ]);
    } finally {
      await restarting.stop();
    }
  });

  it('restarts older than a minute no longer count towards a crash loop', async () => {
    const keyring = await startHeadlessKeyring({ restartKeyringOnExit: true });
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now);
    try {
      const crash = async () => {
        const daemon = keyring.processes.keyring;
        daemon.kill('SIGSEGV');
        await new Promise((resolve) => daemon.once('exit', resolve));
        await keyring.keyringReady();
      };
      for (let i = 0; i < CRASH_LOOP.restarts; i++) await crash();
      clock.mockReturnValue(now + CRASH_LOOP.withinMs); // a minute on: the five restarts are history
      await crash();
      expect(keyring.keyringExits.map((exit) => exit.restarting)).toEqual(Array(CRASH_LOOP.restarts + 1).fill(true));
    } finally {
      clock.mockRestore();
      await keyring.stop();
    }
  });

  it('a daemon that keeps dying is started again five times within a minute, then left dead as a crash loop', async () => {
    const keyring = await startHeadlessKeyring({ restartKeyringOnExit: true });
    try {
      const crash = async () => {
        const daemon = keyring.processes.keyring;
        daemon.kill('SIGSEGV');
        await new Promise((resolve) => daemon.once('exit', resolve));
      };
      for (let restart = 1; restart <= CRASH_LOOP.restarts; restart++) {
        await crash();
        await keyring.keyringReady();
      }
      await crash();
      const exits = keyring.keyringExits;
      expect(exits).toHaveLength(CRASH_LOOP.restarts + 1);
      expect(exits.slice(0, -1).every((exit) => exit.restarting)).toBe(true);
      expect(exits.at(-1)).toMatchObject({ restarting: false, notRestarted: 'crash loop' });
      expect(keyring.processes.keyring.exitCode ?? keyring.processes.keyring.signalCode).not.toBeNull();
      // Left dead, and keyringReady() says so, until it is started again by hand.
      await expect(keyring.keyringReady()).rejects.toThrow(NoBackendError);
      await expect(keyring.keyringReady()).rejects.toThrow(/crash loop.*restartKeyring\(\) starts it again/);
      await keyring.restartKeyring();
      await expect(keyring.keyringReady()).resolves.toBeUndefined();
      const conn = await dbusInit({ address: keyring.address });
      await expect(getDefaultCollection(conn).isLocked()).resolves.toBe(false);
      await conn.close();
    } finally {
      await keyring.stop();
    }
  });
});

describe.skipIf(externalBusAddress)('the mock Secret Service and its scenarios', () => {
  let bus: PrivateBus | undefined;
  let mock: MockSecretService | undefined;
  let conn: Connection | undefined;
  afterEach(async () => {
    await conn?.close();
    await mock?.stop();
    await bus?.stop();
    [conn, mock, bus] = [undefined, undefined, undefined];
  });

  async function start(options: Omit<MockSecretServiceOptions, 'address'>) {
    bus = await startPrivateBus();
    mock = await startMockSecretService({ address: bus.address, ...options });
    conn = await dbusInit({ address: bus.address });
    return { mock, conn };
  }

  it('locked + dismissing: unlock() fails with PromptDismissedException and the collection stays locked', async () => {
    const { conn } = await start({ ...mockScenarios.locked, ...mockScenarios.dismissing });
    const login = new Collection(conn, LOGIN);
    expect(await login.isLocked()).toBe(true);
    await expect(login.unlock()).rejects.toBeInstanceOf(PromptDismissedException);
    expect(await login.isLocked()).toBe(true);
  });

  it('locked + prompting: unlock() runs the prompt, which completes', async () => {
    const { mock, conn } = await start({ ...mockScenarios.locked, ...mockScenarios.prompting });
    const login = new Collection(conn, LOGIN);
    await login.unlock();
    expect(await login.isLocked()).toBe(false);
    expect(mock.callCount('Prompt')).toBe(1);
  });

  it('unanswered: a prompt nobody answers ends with TimeoutException and is dismissed', async () => {
    const { mock, conn } = await start({ ...mockScenarios.locked, ...mockScenarios.unanswered });
    await expect(new Collection(conn, LOGIN).unlock({ timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutException);
    expect(mock.pendingPrompts()).toEqual([]);
  });

  it('plainOnly: the client falls back to the plain algorithm and secrets still round-trip', async () => {
    const { conn } = await start(mockScenarios.plainOnly);
    const item = await getDefaultCollection(conn).createItem('plain', { test: 'plain' }, 'in the clear');
    expect((await conn.session()).algorithm).toBe('plain');
    expect((await item.getSecret()).toString()).toBe('in the clear');
  });

  it('keepassxc: items are created through a prompt, and password unlocking is not offered', async () => {
    const { mock, conn } = await start(mockScenarios.keepassxc);
    const item = await getDefaultCollection(conn).createItem('kp', { test: 'kp' }, 'via prompt');
    expect(mock.item(item.itemPath)?.label).toBe('kp');
    expect(mock.callCount('Prompt')).toBe(1);
    const refused = await new Collection(conn, LOGIN).unlock({ password: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SecretStorageError);
    expect((refused as Error).message).toContain('does not offer password unlocking');
  });

  it('kwallet: GetSecrets refused for a path where no item is; getSecrets leaves that path out', async () => {
    const { mock, conn } = await start(mockScenarios.kwallet);
    const wallet = getDefaultCollection(conn);
    await wallet.unlock();
    const item = await wallet.createItem('kw', { test: 'kw' }, 'in the wallet');
    const nowhere = `${item.itemPath}_not_an_item`;
    const secrets = await getSecrets(conn, [item, nowhere]);
    expect([...secrets.keys()]).toEqual([item.itemPath]);
    expect(secrets.get(item.itemPath)?.toString()).toBe('in the wallet');
    expect(mock.callCount('GetSecrets')).toBe(1);
  });
});

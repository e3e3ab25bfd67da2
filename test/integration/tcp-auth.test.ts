/**
 * The testing keyring over TCP is this user's alone: a real dbus-daemon and gnome-keyring from startHeadlessKeyring,
 * this process storing a token over TCP (DBUS_COOKIE_SHA1), and another uid (nobody, when the tests run as root, as
 * CI does) trying to read it with secret-tool and libdbus's dbus-send. ANONYMOUS only with unsafeAnonymousTcp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbusInit, getDefaultCollection } from '../../src/index.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { NoBackendError } from '../../src/errors.js';
import { startHeadlessKeyring, type HeadlessKeyring } from '../../src/testing/headless-keyring.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';

const TOKEN = 'tcp-token-7c1e9a';
const isRoot = process.getuid?.() === 0;

/** Runs `command` as the user nobody (with a HOME it cannot hold a cookie in); resolves with its exit and output. */
function asNobody(command: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'runuser',
      ['-u', 'nobody', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

const GET_ID = [
  'dbus-send',
  '--print-reply',
  '--dest=org.freedesktop.DBus',
  '/org/freedesktop/DBus',
  'org.freedesktop.DBus.GetId',
];

describe('startHeadlessKeyring({ tcp: true })', () => {
  let keyring: HeadlessKeyring;
  beforeAll(async () => {
    keyring = await startHeadlessKeyring({ tcp: true });
    const conn = await dbusInit({ address: keyring.tcpAddress! });
    try {
      await getDefaultCollection(conn).createItem('tcp token', { service: 'tcp-auth-test' }, TOKEN);
    } finally {
      await conn.close();
    }
  });
  afterAll(async () => {
    await keyring?.stop();
  });

  it('lets this user in with DBUS_COOKIE_SHA1 and refuses ANONYMOUS', async () => {
    const conn = await DBusConnection.open(keyring.tcpAddress!, { authMethods: ['DBUS_COOKIE_SHA1'] });
    await conn.close();
    await expect(DBusConnection.open(keyring.tcpAddress!, { authMethods: ['ANONYMOUS'] })).rejects.toBeInstanceOf(
      NoBackendError,
    );
  });

  it('a process of this user with a throwaway HOME still finds the cookie (in its passwd home, as dbus-daemon keeps it)', async () => {
    const previousHome = process.env.HOME;
    const home = await mkdtemp(join(tmpdir(), 'throwaway-home-'));
    process.env.HOME = home;
    try {
      const conn = await DBusConnection.open(keyring.tcpAddress!, { authMethods: ['DBUS_COOKIE_SHA1'] });
      await conn.close();
    } finally {
      process.env.HOME = previousHome;
      await rm(home, { recursive: true, force: true });
    }
  });

  it.skipIf(!isRoot)('another uid can neither connect nor read the stored token', async () => {
    const env = { HOME: '/nonexistent', DBUS_SESSION_BUS_ADDRESS: keyring.tcpAddress! };
    const lookup = await asNobody(['secret-tool', 'lookup', 'service', 'tcp-auth-test'], env);
    expect(lookup.output).not.toContain(TOKEN);
    expect(lookup.code).not.toBe(0);
    const bus = await asNobody(GET_ID, env);
    expect(bus.code).not.toBe(0);
  });
});

describe('startPrivateBus({ tcp: true, unsafeAnonymousTcp: true })', () => {
  it.skipIf(!isRoot)('lets anyone in, which is what the option name warns of', async () => {
    const bus = await startPrivateBus({ tcp: true, unsafeAnonymousTcp: true });
    try {
      const conn = await DBusConnection.open(bus.tcpAddress!, { authMethods: ['ANONYMOUS'] });
      await conn.close();
      const other = await asNobody(GET_ID, { HOME: '/nonexistent', DBUS_SESSION_BUS_ADDRESS: bus.tcpAddress! });
      expect(other.code).toBe(0);
    } finally {
      await bus.stop();
    }
  });

  it('is refused without tcp', async () => {
    await expect(startPrivateBus({ unsafeAnonymousTcp: true })).rejects.toThrow(/unsafeAnonymousTcp/);
  });
});

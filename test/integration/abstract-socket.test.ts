/**
 * A bus on an abstract socket (`unix:abstract=…`, what dbus-launch and some distributions still give the session
 * bus): Node 22 and later reach it, with a real gnome-keyring serving on it; Node 20 cannot, and says so.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoBackendError, dbusInit, getDefaultCollection } from '../../src/index.js';
import { closeSharedConnections, deletePassword, getPassword, setPassword } from '../../src/keyring/index.js';
import { startGnomeKeyring, type GnomeKeyring } from '../../src/testing/gnome-keyring.js';
import { stopProcess } from '../../src/testing/private-bus.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import keytar from '../../src/keytar.js';

const nodeMajor = Number(process.versions.node.split('.')[0]);

/** dbus-daemon listening only on an abstract socket of a random name; resolves to its address and a stop(). */
async function startAbstractBus(): Promise<{ address: string; stop(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'secretstorage-abstract-'));
  const address = `unix:abstract=/tmp/secretstorage-test-${randomBytes(8).toString('hex')}`;
  await writeFile(
    join(directory, 'bus.conf'),
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const child = spawn(
    'dbus-daemon',
    [`--config-file=${join(directory, 'bus.conf')}`, '--nofork', '--print-address=1'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const printed = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (code ${code}) before listening`)));
  });
  child.stdout.resume();
  expect(printed.startsWith(`${address},guid=`)).toBe(true);
  return {
    address,
    async stop() {
      await stopProcess(child);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

describe('a bus on an abstract socket (unix:abstract=)', () => {
  let bus: Awaited<ReturnType<typeof startAbstractBus>>;
  let keyring: GnomeKeyring | undefined;
  beforeAll(async () => {
    bus = await startAbstractBus();
    if (nodeMajor >= 22) keyring = await startGnomeKeyring({ address: bus.address });
  });
  afterAll(async () => {
    await closeSharedConnections();
    await keyring?.stop();
    await bus?.stop();
  });

  it.runIf(nodeMajor >= 22)(`Node ${nodeMajor} reaches it: the core API, the password API and keytar`, async () => {
    const conn = await dbusInit({ address: bus.address });
    try {
      expect(conn.uniqueName).toMatch(/^:1\.\d+$/);
      const collection = getDefaultCollection(conn);
      const item = await collection.createItem('abstract', { test: 'abstract-socket' }, 'through an abstract socket');
      expect(new TextDecoder().decode(await item.getSecret())).toBe('through an abstract socket');
      await item.delete();
    } finally {
      await conn.close();
    }
    const options = { address: bus.address };
    await setPassword('abstract-socket', 'alice', 'pw', options);
    expect(await getPassword('abstract-socket', 'alice', options)).toBe('pw');
    expect(await deletePassword('abstract-socket', 'alice', options)).toBe(true);
    // keytar takes no address: it reads DBUS_SESSION_BUS_ADDRESS, as keytar does.
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = bus.address;
    try {
      await keytar.setPassword('abstract-socket', 'bob', 'pw2');
      expect(await keytar.findCredentials('abstract-socket')).toEqual([{ account: 'bob', password: 'pw2' }]);
      expect(await keytar.deletePassword('abstract-socket', 'bob')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });

  it.runIf(nodeMajor < 22)(`Node ${nodeMajor} cannot, and the error says to use Node 22 or a path socket`, async () => {
    const error = await dbusInit({ address: bus.address }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoBackendError);
    expect((error as Error).message).toMatch(/Node 22 or later is needed/);
    expect((error as Error).message).toContain('unix:path=');
    // The same on the connection that passes file descriptors (the Secret portal's).
    const withFds = await DBusConnection.open(bus.address, { unixFds: true }).catch((caught: unknown) => caught);
    expect(withFds).toBeInstanceOf(NoBackendError);
    expect((withFds as Error).message).toMatch(/Node 22 or later is needed/);
  });
});

/**
 * The connection the password functions (and the keytar drop-in) share when the caller passes none: one per bus,
 * reused, never keeping the process alive when idle, replaced when the bus or an abandoned operation ended it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, NoBackendError, TimeoutException, type Connection } from '../../src/index.js';
import { closeSharedConnections, getPassword, setPassword, deletePassword } from '../../src/keyring/index.js';
import { startHeadlessKeyring } from '../../src/testing/headless-keyring.js';
import { useKeyring } from '../helpers/keyring.js';
import { LOCKED_VAULT, useMock } from '../helpers/mock.js';
import { finished, REPO_ROOT } from '../helpers/processes.js';

let counter = 0;
const uniqueService = () => `shared-${process.pid}-${++counter}`;

/** The unique names connected to the bus, as the bus itself lists them. */
async function clientsOn(conn: Connection): Promise<string[]> {
  const names = (await conn.callBus('ListNames')) as string[];
  return names.filter((name) => name.startsWith(':')).sort();
}

/** clientsOn, asked again for up to 5 s until it lists `expected` (what it lists then, if it never does). */
async function clientsOnceSettled(conn: Connection, expected: string[]): Promise<string[]> {
  for (let waited = 0; ; waited += 50) {
    const clients = await clientsOn(conn);
    if (JSON.stringify(clients) === JSON.stringify(expected) || waited >= 5000) return clients;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterEach(async () => {
  await closeSharedConnections();
});

describe('the shared connection on gnome-keyring', () => {
  const k = useKeyring();

  it('every password function without a connection uses one connection per bus', async () => {
    const before = await clientsOn(k.conn);
    const service = uniqueService();
    await setPassword(service, 'ann', 'one', { address: k.address });
    const during = await clientsOn(k.conn);
    expect(during).toHaveLength(before.length + 1);
    await Promise.all([
      getPassword(service, 'ann', { address: k.address }),
      getPassword(service, 'ann', { env: { DBUS_SESSION_BUS_ADDRESS: k.address } }),
      setPassword(service, 'bob', 'two', { address: k.address, profile: 'keytar' }),
    ]);
    const { default: keytar } = await import('../../src/keytar.js');
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    try {
      expect(await keytar.getPassword(service, 'bob')).toBe('two');
      // The same bus reached through process.env, an `env` or an `address` is the same connection.
      expect(await clientsOn(k.conn)).toEqual(during);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
    expect(await getPassword(service, 'ann', { address: k.address })).toBe('one');
    expect(await clientsOn(k.conn)).toEqual(expect.arrayContaining(during));
    await closeSharedConnections();
    // Closed on this side; the bus notices the socket's end on its own time, before or after it answers ListNames.
    expect(await clientsOnceSettled(k.conn, before)).toEqual(before);
  });

  it('keeps working after gnome-keyring restarts (a new transfer session is opened)', async () => {
    const service = uniqueService();
    await setPassword(service, 'cat', 'kept', { address: k.address });
    await k.keyring.restartKeyring();
    expect(await getPassword(service, 'cat', { address: k.address })).toBe('kept');
    expect(await deletePassword(service, 'cat', { address: k.address })).toBe(true);
  });

  it('a script that used it exits on its own, without closing anything', async () => {
    const service = uniqueService();
    const script = `
      const { setPassword, getPassword } = await import('secretstorage/keyring');
      await setPassword(${JSON.stringify(service)}, 'dan', 'exits');
      console.log(await getPassword(${JSON.stringify(service)}, 'dan'));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: k.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await finished(child).finally(() => clearTimeout(timer));
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'exits\n' });
  });
});

describe('the shared connection when its bus goes away', () => {
  it('the next call reconnects, or says there is no bus, instead of failing on the dead connection', async () => {
    const first = await startHeadlessKeyring();
    const service = uniqueService();
    try {
      await setPassword(service, 'eve', 'before', { address: first.address });
    } finally {
      await first.stop();
    }
    const error = await getPassword(service, 'eve', { address: first.address }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBackendError);
    expect(error).not.toBeInstanceOf(ConnectionClosedError);
  });
});

describe('the shared connection after an abandoned operation (mock service)', () => {
  const m = useMock(LOCKED_VAULT);

  it('a timed-out operation closes it (nothing it left pending lives on); the next one opens a new one', async () => {
    const before = await clientsOn(m.conn);
    m.mock.scenario.prompts = 'never';
    const error = await getPassword('mocked', 'u', { address: m.bus.address, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutException);
    expect(await clientsOnceSettled(m.conn, before)).toEqual(before);
    m.mock.scenario.prompts = 'complete';
    expect(await getPassword('mocked', 'u', { address: m.bus.address })).toBe('in vault');
    expect(await clientsOn(m.conn)).toHaveLength(before.length + 1);
  });

  it('an operation abandoned while another runs leaves the other one its connection', async () => {
    m.mock.scenario.prompts = 'never';
    const controller = new AbortController();
    const abandoned = getPassword('mocked', 'u', { address: m.bus.address, signal: controller.signal });
    while (m.mock.pendingPrompts().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const other = getPassword('absent', 'u', { address: m.bus.address });
    controller.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    expect(await other).toBeNull();
  });
});

describe('the shared connection while it is being opened', () => {
  it('a timed-out operation gives up a bus that never finishes the handshake: its socket is closed at once', async () => {
    // A socket that accepts and never answers: the handshake would wait for its own deadline (the call timeout, 25 s),
    // keeping a CLI run with --timeout alive that long (found by a review).
    const dir = await mkdtemp(join(tmpdir(), 'mute-bus-'));
    const accepted: Socket[] = [];
    const server = createServer((socket) => {
      accepted.push(socket);
      socket.resume(); // reads (and drops) what the client sends, so that its end is seen
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'bus'), resolve));
    try {
      const address = `unix:path=${join(dir, 'bus')}`;
      const error = await getPassword('s', 'u', { address, timeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutException);
      expect(accepted).toHaveLength(1);
      await new Promise((resolve) => (accepted[0].closed ? resolve(undefined) : accepted[0].once('close', resolve)));
      // A later operation opens a new connection (here: gives up on it too), rather than waiting on the old one.
      await expect(getPassword('s', 'u', { address, timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutException);
      expect(accepted).toHaveLength(2);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
    // Without the give-up the socket closes only at the handshake's own deadline (25 s), past this test's limit.
  }, 20_000);
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, Socket } from 'node:net';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DBusConnection } from '../../src/dbus/connection.js';
import { dbusInit } from '../../src/dbus-init.js';
import { FakeBus } from '../helpers/fake-bus.js';
import { NoBackendError } from '../../src/errors.js';

/**
 * A bus that answers each AUTH (and DATA, CANCEL) line with `answers` in turn (OK once they run out), then Hello; later
 * calls stay unanswered. It records what it read, so a test can check what the client sent, in order.
 */
async function fakeBus(answers: string[]): Promise<FakeBus> {
  const bus = new FakeBus({ authAnswers: answers, uniqueName: ':1.7' });
  await bus.start();
  return bus;
}

/** What the client wrote, one entry per write call (the bus's own writes, on accepted sockets, are left out). */
function recordClientWrites(): string[] {
  const writes: string[] = [];
  const write = Socket.prototype.write;
  vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
    if (
      (this as unknown as { server?: unknown }).server === undefined ||
      (this as { server?: unknown }).server === null
    )
      writes.push(Buffer.from(args[0] as string | Uint8Array).toString('latin1'));
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  });
  return writes;
}

describe('the handshake', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const stop of stops.splice(0)) await stop();
  });

  it('sends the NUL byte with the first AUTH, and BEGIN with Hello: two writes, one bus wake-up each', async () => {
    const bus = await fakeBus([]);
    stops.push(() => bus.stop());
    const writes = recordClientWrites();
    const connection = await DBusConnection.open(bus.address);
    stops.unshift(() => connection.close());
    expect(connection.uniqueName).toBe(':1.7');
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^\0AUTH EXTERNAL [0-9a-f]+\r\n$/);
    expect(writes[1].startsWith('BEGIN\r\n')).toBe(true);
    expect(writes[1]).toContain('Hello');
    expect(bus.received()).toBe(writes.join(''));
  });

  it('zeroes each message it wrote once the kernel has it (a plain session secret does not stay in memory)', async () => {
    const bus = await fakeBus([]);
    stops.push(() => bus.stop());
    const buffers: Buffer[] = [];
    const write = Socket.prototype.write;
    vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (Buffer.isBuffer(args[0]) && !(this as { server?: unknown }).server) buffers.push(args[0]);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    });
    const connection = await DBusConnection.open(bus.address);
    stops.unshift(() => connection.close());
    expect(buffers).toHaveLength(1); // BEGIN and Hello
    expect(buffers[0].every((byte) => byte === 0)).toBe(true);
  });

  it('zeroes a call that never went out (queued behind maxInFlightCalls), when it is aborted or the connection closes', async () => {
    const bus = await fakeBus([]); // answers Hello only: every later call stays unanswered
    stops.push(() => bus.stop());
    const connection = await DBusConnection.open(bus.address, { maxInFlightCalls: 1 });
    const call = (secret: string, signal?: AbortSignal) =>
      connection.call(
        {
          // A unique name: a well-known one would first send the owner lookup, queued ahead of these calls.
          destination: ':1.8',
          path: '/',
          interface: 'org.example',
          member: 'Set',
          signature: 'ay',
          body: [Buffer.from(secret)],
        },
        { timeoutMs: 0, signal },
      );
    const inFlight = call('first').catch(() => undefined);
    const queuedFrames = () =>
      (connection as unknown as { pending: { queued: ({ encoded?: Buffer } | undefined)[] } }).pending.queued
        .filter((q) => q?.encoded)
        .map((q) => q!.encoded!);
    const controller = new AbortController();
    const aborted = call('PLAIN-SECRET-A', controller.signal).catch(() => undefined);
    const [frameA] = queuedFrames();
    expect(frameA.includes('PLAIN-SECRET-A')).toBe(true);
    controller.abort();
    await aborted;
    expect(frameA.every((byte) => byte === 0)).toBe(true);
    const closing = call('PLAIN-SECRET-B').catch(() => undefined);
    const [frameB] = queuedFrames();
    await connection.close();
    await Promise.all([inFlight, closing]);
    expect(frameB.every((byte) => byte === 0)).toBe(true);
  });

  it('sends the NUL byte only once when the first mechanism is rejected and the next one is tried', async () => {
    const bus = await fakeBus(['REJECTED ANONYMOUS']);
    stops.push(() => bus.stop());
    const writes = recordClientWrites();
    const connection = await DBusConnection.open(bus.address, { authMethods: ['EXTERNAL', 'ANONYMOUS'] });
    stops.unshift(() => connection.close());
    expect(writes.map((write) => write.split(' ')[0].replace('\0', '<NUL>'))).toEqual([
      '<NUL>AUTH',
      'AUTH',
      expect.stringMatching(/^BEGIN\r\n/),
    ]);
    expect(writes[1]).toMatch(/^AUTH ANONYMOUS /);
    const authentication = bus.received().slice(0, bus.received().indexOf('BEGIN\r\n'));
    expect(authentication.split('\0')).toHaveLength(2); // one NUL, the first byte (the Hello after BEGIN has its own)
    expect(authentication.startsWith('\0')).toBe(true);
  });

  it('DBUS_COOKIE_SHA1 refuses a ~/.dbus-keyrings that group or others can access, as libdbus does: no cookie is used', async () => {
    const home = await mkdtemp(join(tmpdir(), 'cookie-home-'));
    const previousHome = process.env.HOME;
    try {
      await mkdir(join(home, '.dbus-keyrings'), { mode: 0o755 });
      await chmod(join(home, '.dbus-keyrings'), 0o755);
      await writeFile(join(home, '.dbus-keyrings', 'org_freedesktop_general'), '1 1700000000 0123abcd\n');
      const challenge = Buffer.from('org_freedesktop_general 1 fedcba9876543210').toString('hex');
      const bus = await fakeBus([`DATA ${challenge}`, 'REJECTED EXTERNAL']);
      stops.push(() => bus.stop());
      process.env.HOME = home;
      const opening = DBusConnection.open(bus.address, { authMethods: ['DBUS_COOKIE_SHA1'], timeoutMs: 5000 });
      await expect(opening).rejects.toThrow(/accessible to group or others \(mode 755\); run chmod 700/);
      expect(bus.received()).not.toContain('DATA ');
      expect(bus.received()).toContain('CANCEL');
    } finally {
      process.env.HOME = previousHome;
      await rm(home, { recursive: true, force: true });
    }
  });

  it("refuses an OK that does not carry a GUID of 32 hex digits, and quotes the server's bytes escaped", async () => {
    for (const ok of ['OK not-a-guid;rm -rf', 'OK ', 'OK 0123', 'OK 0123456789abcdef0123456789abcdeg']) {
      const bus = await fakeBus([ok]);
      stops.push(() => bus.stop());
      await expect(DBusConnection.open(bus.address, { timeoutMs: 5000 })).rejects.toThrow(
        /refused authentication: the server accepted EXTERNAL with "OK.*", not a GUID of 32 hex digits/,
      );
    }
    const bus = await fakeBus(['ERROR \xff\x00\x1b[31m', 'REJECTED']);
    stops.push(() => bus.stop());
    const error = (await DBusConnection.open(bus.address, { authMethods: ['EXTERNAL'], timeoutMs: 5000 }).catch(
      (caught: unknown) => caught,
    )) as Error;
    expect(error.message).toContain('EXTERNAL ("ERROR \\xc3\\xbf\\x00\\x1b[31m")'); // the bytes of "\xff" in UTF-8, as sent
    expect(error.message).not.toMatch(/[^\x20-\x7e]/);
  });

  it("answers ERROR with CANCEL and tries the next mechanism once the server says REJECTED (the spec's client)", async () => {
    const bus = await fakeBus(['ERROR "try again"', 'REJECTED EXTERNAL ANONYMOUS']);
    stops.push(() => bus.stop());
    const writes = recordClientWrites();
    const connection = await DBusConnection.open(bus.address, { authMethods: ['EXTERNAL', 'ANONYMOUS'] });
    stops.unshift(() => connection.close());
    expect(writes.map((write) => write.replace('\0', '').split(/[ \r]/)[0])).toEqual([
      'AUTH',
      'CANCEL',
      'AUTH',
      'BEGIN',
    ]);
    expect(writes[2]).toMatch(/^AUTH ANONYMOUS /);
  });

  it('fails when the server answers CANCEL with anything but REJECTED', async () => {
    const bus = await fakeBus(['ERROR', 'OK 0123456789abcdef0123456789abcdef']);
    stops.push(() => bus.stop());
    await expect(DBusConnection.open(bus.address, { timeoutMs: 5000 })).rejects.toThrow(
      /the server answered CANCEL with "OK 0123456789abcdef0123456789abcdef"/,
    );
  });

  it('EXTERNAL and DBUS_COOKIE_SHA1 name the effective uid, which is what the kernel tells the bus', async () => {
    vi.spyOn(process, 'geteuid').mockReturnValue(4242);
    vi.spyOn(process, 'getuid').mockReturnValue(0);
    const bus = await fakeBus(['REJECTED']);
    stops.push(() => bus.stop());
    const connection = await DBusConnection.open(bus.address, { authMethods: ['EXTERNAL', 'DBUS_COOKIE_SHA1'] });
    stops.unshift(() => connection.close());
    const hex = Buffer.from('4242').toString('hex');
    expect(bus.received()).toContain(`AUTH EXTERNAL ${hex}\r\n`);
    expect(bus.received()).toContain(`AUTH DBUS_COOKIE_SHA1 ${hex}\r\n`);
  });

  it('connecting gives up after 10 s even when calls have no limit (callTimeoutMs 0 or Infinity), also with unixFds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'silent-'));
    const connected: Socket[] = [];
    const server = createServer((socket) => connected.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(join(dir, 'bus'), resolve));
    stops.push(async () => {
      for (const socket of connected) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    });
    const address = `unix:path=${join(dir, 'bus')}`;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const attempts: [string, Promise<unknown>][] = [
        ['Infinity', dbusInit({ address, callTimeoutMs: Infinity })],
        ['0', dbusInit({ address, callTimeoutMs: 0 })],
        ['unixFds', DBusConnection.open(address, { unixFds: true })],
      ];
      const outcomes = attempts.map(([, attempt]) => attempt.catch((caught: unknown) => caught));
      await vi.waitFor(() => expect(connected).toHaveLength(3), { interval: 5, timeout: 5000 });
      await vi.advanceTimersByTimeAsync(10_000);
      for (const [i, outcome] of (await Promise.all(outcomes)).entries()) {
        expect(outcome, attempts[i][0]).toBeInstanceOf(NoBackendError);
        expect((outcome as Error).message, attempts[i][0]).toContain(
          'did not complete the D-Bus handshake within 10000 ms',
        );
      }
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * D-Bus addresses as libdbus reads them: %-escapes as UTF-8 bytes, what refuses the whole address and what only one
 * entry, the guid= an entry names, and `$XDG_RUNTIME_DIR/bus` only when it is this user's socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createServer, type Server } from 'node:net';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddressError,
  discoverSessionBusAddress,
  escapeAddressValue,
  parseAddress,
  runtimeBusAddress,
} from '../../src/dbus/address.js';

const GUID = '0123456789abcdef0123456789abcdef';

describe('parseAddress', () => {
  it('reads %-escapes as bytes of UTF-8, as dbus-daemon writes a path with é (%c3%a9)', () => {
    expect(parseAddress('unix:path=/tmp/%c3%a9/bus')).toEqual([{ kind: 'unix-path', path: '/tmp/\u00e9/bus' }]);
    expect(parseAddress('unix:path=/tmp/a%2cb%3bc%3dd%25e')).toEqual([{ kind: 'unix-path', path: '/tmp/a,b;c=d%e' }]);
    expect(parseAddress('unix:path=/tmp/\u00e9/bus')).toEqual([{ kind: 'unix-path', path: '/tmp/\u00e9/bus' }]);
  });

  it('refuses the whole address for what libdbus refuses: a broken escape, a pair without a key or "="', () => {
    for (const address of [
      'unix:path=/tmp/a.sock%zz',
      'unix:path=/tmp/a.sock%4',
      'unix:path=/tmp/%ff/bus', // not UTF-8
      'unix:path=/tmp/x,=y',
      'unix:path',
      ':path=/x',
      'unix:path=/tmp/ok;tcp:host=a,port',
    ]) {
      expect(() => parseAddress(address), address).toThrow(AddressError);
    }
  });

  it('skips an entry it cannot use and connects through the others, as libdbus does', () => {
    const path = { kind: 'unix-path', path: '/run/bus' };
    for (const bad of [
      'tcp:host=127.0.0.1',
      'tcp:host=127.0.0.1,port=0xb1b3',
      'tcp:host=127.0.0.1,port=70000',
      'tcp:host=127.0.0.1,port=1,family=ipv5',
      'unix:path=/a,abstract=b',
      'unix:tmpdir=/tmp',
      'nonce-tcp:host=127.0.0.1,port=1',
      'autolaunch:',
      'unix:path=/x,guid=xyz',
    ]) {
      expect(parseAddress(`${bad};unix:path=/run/bus`), bad).toEqual([path]);
      expect(() => parseAddress(bad), bad).toThrow(/no usable transport in the address: .*\(.+\)/);
    }
  });

  it('keeps the guid= an entry names (its server must have it), and a TCP entry as given', () => {
    expect(parseAddress(`unix:path=/run/bus,guid=${GUID}`)).toEqual([
      { kind: 'unix-path', path: '/run/bus', guid: GUID },
    ]);
    expect(parseAddress('tcp:host=::1,port=55556,family=ipv6')).toEqual([
      { kind: 'tcp', host: '::1', port: 55556, family: 'ipv6' },
    ]);
    expect(parseAddress('tcp:port=1')).toEqual([{ kind: 'tcp', host: 'localhost', port: 1 }]);
  });

  it('escapeAddressValue: what any string escapes to parses back to that string', () => {
    expect(escapeAddressValue('/run/user/1000/bus')).toBe('/run/user/1000/bus');
    expect(escapeAddressValue('/tmp/a,b é')).toBe('/tmp/a%2cb%20%c3%a9');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (path) => {
        expect(parseAddress(`unix:path=${escapeAddressValue(path)}`)).toEqual([{ kind: 'unix-path', path }]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the session bus address from $XDG_RUNTIME_DIR/bus', () => {
  let directory: string;
  let server: Server;
  beforeAll(async () => {
    // A folder name that must be escaped in an address: "," and ";" end a value, "%" starts an escape.
    directory = await mkdtemp(join(tmpdir(), 'runtime, dir;100%-'));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(directory, 'bus'), resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  it("is this user's socket there, escaped, and DBUS_SESSION_BUS_ADDRESS comes first", () => {
    const address = discoverSessionBusAddress({ XDG_RUNTIME_DIR: directory });
    expect(address).toBe(`unix:path=${escapeAddressValue(join(directory, 'bus'))}`);
    expect(parseAddress(address!)).toEqual([{ kind: 'unix-path', path: join(directory, 'bus') }]);
    expect(discoverSessionBusAddress({ XDG_RUNTIME_DIR: directory, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' })).toBe(
      'unix:path=/x',
    );
    expect(discoverSessionBusAddress({})).toBeUndefined();
  });

  it('is not used when "bus" is not a socket, or is missing', async () => {
    const other = await mkdtemp(join(tmpdir(), 'runtime-'));
    try {
      await writeFile(join(other, 'bus'), '');
      expect(runtimeBusAddress({ XDG_RUNTIME_DIR: other })).toBeUndefined();
      expect(runtimeBusAddress({ XDG_RUNTIME_DIR: join(other, 'missing') })).toBeUndefined();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)("a socket another uid owns is not this user's bus (as libdbus)", async () => {
    const other = await mkdtemp(join(tmpdir(), 'runtime-'));
    const foreign = createServer();
    try {
      await new Promise<void>((resolve) => foreign.listen(join(other, 'bus'), resolve));
      expect(runtimeBusAddress({ XDG_RUNTIME_DIR: other })).toBeDefined();
      await chown(join(other, 'bus'), 4242, 4242);
      expect(runtimeBusAddress({ XDG_RUNTIME_DIR: other })).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => foreign.close(() => resolve()));
      await rm(other, { recursive: true, force: true });
    }
  });
});

/**
 * Reaching a real dbus-daemon the way libdbus does: a socket path that must be escaped in the address (dbus-daemon
 * writes `é` as `%c3%a9`), the same bus found through `$XDG_RUNTIME_DIR/bus`, and the `guid=` of an address checked
 * against the server's own GUID (another bus answering at a known address is refused).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeAddressValue } from '../../src/dbus/address.js';
import { NoBackendError, dbusInit } from '../../src/index.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { startPrivateBus, type PrivateBus } from '../../src/testing/private-bus.js';

describe('bus addresses against a real dbus-daemon', () => {
  let directory: string;
  let bus: PrivateBus;
  let guid: string;
  beforeAll(async () => {
    // "é" is two bytes that an address escapes one by one; "," and ";" would end the value; "%" starts an escape.
    directory = await mkdtemp(join(tmpdir(), 'bus \u00e9,;%-'));
    bus = await startPrivateBus({ directory });
    const probe = await DBusConnection.open(bus.address);
    guid = probe.serverId;
    await probe.close();
  });
  afterAll(async () => {
    await bus?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('connects to a socket whose path is escaped in the address, as dbus-daemon writes it', async () => {
    expect(bus.address).toBe(`unix:path=${escapeAddressValue(join(directory, 'bus'))}`);
    expect(bus.address).toContain('%c3%a9%2c%3b%25');
    const conn = await dbusInit({ address: bus.address });
    expect(conn.bus.uniqueName).toMatch(/^:1\./);
    await conn.close();
  });

  it('finds the same bus through $XDG_RUNTIME_DIR/bus when DBUS_SESSION_BUS_ADDRESS is not set', async () => {
    const conn = await dbusInit({ env: { XDG_RUNTIME_DIR: directory } });
    expect(conn.bus.uniqueName).toMatch(/^:1\./);
    await conn.close();
  });

  it("accepts the server when the address's guid= is its GUID, and refuses another bus at that address", async () => {
    expect(guid).toMatch(/^[0-9a-f]{32}$/);
    const right = await dbusInit({ address: `${bus.address},guid=${guid}` });
    await right.close();
    const other = guid.replace(/^./, (digit) => (digit === '0' ? '1' : '0'));
    const error = await dbusInit({ address: `${bus.address},guid=${other}` }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoBackendError);
    expect((error as Error).message).toContain(`the server's GUID is ${guid}, not the guid=${other} of the address`);
    // The next entry of the address is tried, as libdbus does.
    const next = await dbusInit({ address: `${bus.address},guid=${other};${bus.address}` });
    await next.close();
  });
});

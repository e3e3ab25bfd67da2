/**
 * Per-file fixture: a private dbus-daemon with a real, unlocked gnome-keyring, started before the file's tests and
 * stopped after them. `transport: 'tcp'` connects over 127.0.0.1 with ANONYMOUS authentication instead of the socket.
 */
import { afterAll, beforeAll } from 'vitest';
import { dbusInit, type Connection, type DbusInitOptions } from '../../src/index.js';
import { startHeadlessKeyring, type HeadlessKeyring } from '../../src/testing/headless-keyring.js';

export interface KeyringFixture {
  keyring: HeadlessKeyring;
  /** The address tests connect to (Unix socket or TCP). */
  address: string;
  /** A connection opened for the file; closed after it. */
  conn: Connection;
  /** Opens another connection to the same bus (closed after the file). */
  connect(options?: DbusInitOptions): Promise<Connection>;
}

export function useKeyring(options: { transport?: 'unix' | 'tcp' } = {}): KeyringFixture {
  const fixture = {} as KeyringFixture;
  const extra: Connection[] = [];
  beforeAll(async () => {
    fixture.keyring = await startHeadlessKeyring({ tcp: options.transport === 'tcp' });
    fixture.address = options.transport === 'tcp' ? fixture.keyring.tcpAddress! : fixture.keyring.address;
    fixture.connect = async (connectOptions = {}) => {
      const conn = await dbusInit({ address: fixture.address, ...connectOptions });
      extra.push(conn);
      return conn;
    };
    fixture.conn = await fixture.connect();
  });
  afterAll(async () => {
    await Promise.all(extra.map((conn) => conn.close()));
    await fixture.keyring?.stop();
  });
  return fixture;
}

/** Attributes unique to one test, so tests in a file never see each other's items. */
let counter = 0;
export function uniqueAttributes(extra: Record<string, string> = {}): Record<string, string> {
  return { application: 'secretstorage-test', test: `${process.pid}-${++counter}-${Date.now()}`, ...extra };
}

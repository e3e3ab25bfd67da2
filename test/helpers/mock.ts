/**
 * Per-describe fixture: a private dbus-daemon with the TypeScript mock Secret Service on it, for what gnome-keyring
 * cannot do headlessly. A fresh mock per test (`beforeEach`) keeps scenarios from leaking between tests.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { dbusInit, type Connection, type DbusInitOptions } from '../../src/index.js';
import {
  startMockSecretService,
  type MockSecretService,
  type MockSecretServiceOptions,
} from '../../src/testing/mock-service.js';
import { startPrivateBus, type PrivateBus } from '../../src/testing/private-bus.js';

export interface MockFixture {
  bus: PrivateBus;
  mock: MockSecretService;
  conn: Connection;
  connect(options?: DbusInitOptions): Promise<Connection>;
}

/** A default `Login` collection and a locked `Vault` holding one password: service `mocked`, user `u`, `in vault`. */
export const LOCKED_VAULT: Omit<MockSecretServiceOptions, 'address'> = {
  collections: [
    { id: 'login', label: 'Login', aliases: ['default'] },
    {
      id: 'vault',
      label: 'Vault',
      locked: true,
      items: [{ label: 'v', attributes: { service: 'mocked', username: 'u' }, secret: 'in vault' }],
    },
  ],
};

export function useMock(options: Omit<MockSecretServiceOptions, 'address'> = {}): MockFixture {
  const fixture = {} as MockFixture;
  let connections: Connection[] = [];
  beforeAll(async () => {
    fixture.bus = await startPrivateBus();
  });
  beforeEach(async () => {
    fixture.mock = await startMockSecretService({ ...options, address: fixture.bus.address });
    fixture.connect = async (connectOptions = {}) => {
      const conn = await dbusInit({
        address: fixture.bus.address,
        serviceName: fixture.mock.busName,
        ...connectOptions,
      });
      connections.push(conn);
      return conn;
    };
    fixture.conn = await fixture.connect();
  });
  afterEach(async () => {
    await Promise.all(connections.map((conn) => conn.close()));
    connections = [];
    await fixture.mock.stop();
  });
  afterAll(async () => {
    await fixture.bus?.stop();
  });
  return fixture;
}

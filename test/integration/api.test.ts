import { describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  Collection,
  ItemNotFoundException,
  NoBackendError,
  SecretServiceNotAvailableException,
  createCollectionWithPassword,
  dbusInit,
  getAnyCollection,
  getDefaultCollection,
  searchItems,
  setAlias,
  unlockWithPassword,
} from '../../src/index.js';
import { loadNodeCrypto } from '../../src/crypto/node-crypto.js';
import { useMock } from '../helpers/mock.js';

const SECRET = 'api-test-secret-9c1e';
const PASSWORD = 'api-test-password-77aa';

describe("getAnyCollection falls back in SecretStorage's order", () => {
  const m = useMock({
    collections: [
      { id: 'work', label: 'Work' },
      { id: 'session', label: 'Session' },
    ],
  });

  it('takes the session collection when no default alias exists, then the first one', async () => {
    expect((await getAnyCollection(m.conn)).collectionPath).toBe('/org/freedesktop/secrets/collection/session');
    await new Collection(m.conn, '/org/freedesktop/secrets/collection/session').delete();
    expect((await getAnyCollection(m.conn)).collectionPath).toBe('/org/freedesktop/secrets/collection/work');
    await setAlias(m.conn, 'default', new Collection(m.conn, '/org/freedesktop/secrets/collection/work'));
    expect((await getAnyCollection(m.conn)).collectionPath).toBe('/org/freedesktop/secrets/collection/work');
    await new Collection(m.conn, '/org/freedesktop/secrets/collection/work').delete();
    await expect(getAnyCollection(m.conn)).rejects.toBeInstanceOf(ItemNotFoundException);
  });
});

describe('content types, per-item locking and disposal', () => {
  const m = useMock();

  it("sends text/plain for strings, application/octet-stream for bytes, and the caller's type when given", async () => {
    const collection = getDefaultCollection(m.conn);
    const text = await collection.createItem('t', {}, 'abc');
    const bytes = await collection.createItem('b', {}, new Uint8Array([0, 255]));
    const custom = await collection.createItem('c', {}, '{"a":1}', { contentType: 'application/json' });
    expect(await text.getSecretContentType()).toBe('text/plain');
    expect(await bytes.getSecretContentType()).toBe('application/octet-stream');
    expect(await custom.getSecretAndContentType()).toMatchObject({ contentType: 'application/json' });
    await text.setSecret(new Uint8Array([1]));
    expect(m.mock.item(text.itemPath)?.contentType).toBe('application/octet-stream');
    // One secret read per content-type read (SecretStorage makes two).
    m.mock.resetCalls();
    await bytes.getSecretContentType();
    expect(m.mock.callCount('GetSecret') + m.mock.callCount('GetSecrets')).toBe(1);
  });

  it('item.lock() and item.unlock() act on the item', async () => {
    const item = await getDefaultCollection(m.conn).createItem('lockable', {}, SECRET);
    await item.lock();
    expect(await item.isLocked()).toBe(true);
    await item.unlock();
    expect(await item.isLocked()).toBe(false);
  });

  it('closing the connection closes the transfer session on the service', async () => {
    const conn = await m.connect();
    await getDefaultCollection(conn).createItem('x', {}, 'y');
    expect(m.mock.sessions().some((session) => session.owner === conn.bus.uniqueName)).toBe(true);
    await conn.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(m.mock.sessions().some((session) => session.owner === conn.bus.uniqueName)).toBe(false);
  });

  it('await using closes the connection', async () => {
    let closedConn;
    {
      await using conn = await dbusInit({ address: m.bus.address });
      closedConn = conn;
      expect(conn.closed).toBe(false);
    }
    expect(closedConn.closed).toBe(true);
  });

  it('exports SecretServiceNotAvailableException as NoBackendError', () => {
    expect(SecretServiceNotAvailableException).toBe(NoBackendError);
  });
});

describe('the debug log', () => {
  const m = useMock();

  it('logs calls and errors but never a secret, a password or a key, whatever the operation', async () => {
    // Every AES key used (the session's, shared with the mock), seen where it is used: a Session keeps it private.
    const crypto = await loadNodeCrypto();
    const createCipheriv = crypto.createCipheriv;
    const keys: string[] = [];
    const spy = vi.spyOn(crypto, 'createCipheriv').mockImplementation(((...args: Parameters<typeof createCipheriv>) => {
      keys.push(Buffer.from(args[1] as Uint8Array).toString('hex'));
      return createCipheriv(...args);
    }) as typeof createCipheriv);
    const lines: string[] = [];
    const conn = await m.connect({ debug: (line) => lines.push(line) });
    const collection = getDefaultCollection(conn);
    const item = await collection.createItem('logged', { app: 'log-test' }, SECRET);
    await item.getSecret();
    await item.setSecret(SECRET + '2');
    await searchItems(conn, { app: 'log-test' });
    const locked = new Collection(conn, await createCollectionWithPassword(conn, 'pw', PASSWORD));
    await locked.lock();
    await unlockWithPassword(conn, await locked.getPath(), PASSWORD);
    await unlockWithPassword(conn, await locked.getPath(), 'wrong').catch(() => undefined);
    await item.delete();
    await item.getSecret().catch(() => undefined);
    await conn.close();
    spy.mockRestore();
    expect(keys.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((line) => line.includes('GetSecret'))).toBe(true);
    expect(lines.some((line) => line.includes('ItemNotFoundException'))).toBe(true);
    for (const line of lines) {
      for (const forbidden of [SECRET, PASSWORD, 'log-test', ...keys, Buffer.from(SECRET).toString('hex')]) {
        expect(line).not.toContain(forbidden);
      }
    }
  });

  it('DEBUG=secretstorage turns it on in a child process, on stderr, still without the secret', async () => {
    const script = `
      import { dbusInit, getDefaultCollection } from ${JSON.stringify(new URL('../../dist/esm/index.js', import.meta.url).href)};
      const conn = await dbusInit({ address: process.argv[1], serviceName: process.argv[2] });
      const item = await getDefaultCollection(conn).createItem('x', {}, ${JSON.stringify(SECRET)});
      await item.getSecret();
      await conn.close();
    `;
    // Asynchronously: the mock answering the child lives in this process.
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, m.bus.address, m.mock.busName],
      { env: { ...process.env, DEBUG: 'secretstorage' }, encoding: 'utf8' },
    );
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect(line.startsWith('secretstorage ')).toBe(true);
      expect(line).not.toContain(SECRET);
    }
  });
});

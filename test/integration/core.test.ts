import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Collection,
  InvalidArgumentError,
  Item,
  ItemNotFoundException,
  NoBackendError,
  checkServiceAvailability,
  dbusInit,
  getAllCollections,
  getAnyCollection,
  getCollectionByAlias,
  getDefaultCollection,
  getSecrets,
  searchItems,
  setAlias,
} from '../../src/index.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';
import { skipOn, storedAttributes, uniqueAttributes, useKeyring } from '../helpers/keyring.js';

/**
 * gnome-keyring adds `xdg:schema` to items when it reloads its keyring file (it may do so at any time), KeePassXC its
 * entry fields to every item.
 */
function withoutSchema(attributes: Record<string, string>): Record<string, string> {
  const { 'xdg:schema': _schema, ...rest } = storedAttributes(attributes);
  return rest;
}

describe('the README snippet', () => {
  const k = useKeyring();
  it('works exactly as written against the session bus', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    try {
      const conn = await dbusInit();
      const item = await getDefaultCollection(conn).createItem(
        'My Secret Item',
        { application: 'myapp' },
        'mysecretpassword',
      );
      expect((await item.getSecret()).toString()).toBe('mysecretpassword');
      await conn.close();
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});

describe.each(['unix', 'tcp'] as const)('against gnome-keyring over %s', (transport) => {
  const k = useKeyring({ transport });

  it('stores and reads back a text secret over the encrypted session', async () => {
    const item = await getDefaultCollection(k.conn).createItem('text', uniqueAttributes(), 'pa$$word');
    expect((await item.getSecret()).toString('utf8')).toBe('pa$$word');
    expect((await k.conn.session()).algorithm).toBe('dh-ietf1024-sha256-aes128-cbc-pkcs7');
  });

  it('round-trips binary secrets with all 256 byte values, an empty secret and 1 MiB', async () => {
    const collection = getDefaultCollection(k.conn);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(1024 * 1024, 0);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    for (const secret of [all, Buffer.alloc(0), big]) {
      const item = await collection.createItem('binary', uniqueAttributes(), secret);
      expect((await item.getSecret()).equals(secret)).toBe(true);
    }
  });

  it('keeps unicode labels and attributes intact', async () => {
    const attributes = uniqueAttributes({ 'ключ 🔑': 'значение — 値 ✓' });
    const item = await getDefaultCollection(k.conn).createItem('Mot de passe ✓ 🔐 日本', attributes, 'ü');
    expect(await item.getLabel()).toBe('Mot de passe ✓ 🔐 日本');
    expect(withoutSchema(await item.getAttributes())).toEqual(attributes);
    expect((await item.getSecret()).toString()).toBe('ü');
    const [found] = await searchItems(k.conn, { 'ключ 🔑': 'значение — 値 ✓', test: attributes.test });
    expect(found.equals(item)).toBe(true);
  });

  it('reads and writes labels, attributes, secrets and timestamps', async () => {
    const before = Math.floor(Date.now() / 1000);
    const item = await getDefaultCollection(k.conn).createItem('first', uniqueAttributes(), 'one');
    await item.setLabel('second');
    expect(await item.getLabel()).toBe('second');
    const attributes = uniqueAttributes({ extra: 'yes' });
    await item.setAttributes(attributes);
    expect(withoutSchema(await item.getAttributes())).toEqual(attributes);
    await item.setSecret(Buffer.from([0, 1, 2]));
    expect([...(await item.getSecret())]).toEqual([0, 1, 2]);
    await item.setSecret('text again', 'text/plain');
    expect((await item.getSecret()).toString()).toBe('text again');
    // gnome-keyring does not store content types; it reports text/plain for everything.
    expect(await item.getSecretContentType()).toBe('text/plain');
    const created = await item.getCreated();
    expect(created).toBeGreaterThanOrEqual(before - 5);
    expect(created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
    expect(await item.getModified()).toBeGreaterThanOrEqual(created);
    expect(await item.isLocked()).toBe(false);
    await item.ensureNotLocked();
  });

  it('createItem with replace updates the existing item in place', async () => {
    const collection = getDefaultCollection(k.conn);
    const attributes = uniqueAttributes();
    const first = await collection.createItem('v1', attributes, 'one', { replace: true });
    const second = await collection.createItem('v2', attributes, 'two', { replace: true });
    expect(second.itemPath).toBe(first.itemPath);
    expect((await first.getSecret()).toString()).toBe('two');
    expect(await collection.searchItems(attributes)).toHaveLength(1);
    const third = await collection.createItem('v3', attributes, 'three');
    expect(third.itemPath).not.toBe(first.itemPath);
    expect(await collection.searchItems(attributes)).toHaveLength(2);
  });

  it('finds items through the service, the collection and getAllItems', async () => {
    const collection = getDefaultCollection(k.conn);
    const attributes = uniqueAttributes();
    const item = await collection.createItem('findable', attributes, 'x');
    expect((await searchItems(k.conn, attributes)).map((i) => i.itemPath)).toEqual([item.itemPath]);
    expect((await collection.searchItems(attributes)).map((i) => i.itemPath)).toEqual([item.itemPath]);
    expect((await collection.getAllItems()).some((i) => i.equals(item))).toBe(true);
    expect(await searchItems(k.conn, uniqueAttributes())).toEqual([]);
  });

  it('deletes items; a deleted item raises ItemNotFoundException', async () => {
    const item = await getDefaultCollection(k.conn).createItem('doomed', uniqueAttributes(), 'x');
    await item.delete();
    await expect(item.getSecret()).rejects.toBeInstanceOf(ItemNotFoundException);
    await expect(item.delete()).rejects.toBeInstanceOf(ItemNotFoundException);
    await expect(
      new Item(k.conn, '/org/freedesktop/secrets/collection/login/999999').getLabel(),
    ).rejects.toBeInstanceOf(ItemNotFoundException);
  });

  it.skipIf(
    !!skipOn({ keepassxc: 'KeePassXC 2.7.4 crashes (SIGSEGV) now and then under 200 concurrent CreateItem calls' }),
  )('reads many secrets in one GetSecrets call, and 200 concurrent creates and reads lose nothing', async () => {
    const collection = getDefaultCollection(k.conn);
    const base = uniqueAttributes();
    const items = await Promise.all(
      Array.from({ length: 200 }, (_, i) => collection.createItem(`c${i}`, { ...base, n: String(i) }, `secret-${i}`)),
    );
    expect(new Set(items.map((item) => item.itemPath)).size).toBe(200);
    const read = await Promise.all(items.map((item) => item.getSecret()));
    expect(read.map((secret) => secret.toString())).toEqual(items.map((_, i) => `secret-${i}`));
    const batch = await getSecrets(k.conn, items);
    expect(batch.size).toBe(200);
    items.forEach((item, i) => expect(batch.get(item.itemPath)?.toString()).toBe(`secret-${i}`));
    const attrs = await Promise.all(items.map((item) => item.getAttributes()));
    attrs.forEach((a, i) => expect(a.n).toBe(String(i)));
  });
});

describe('getSecrets with items that are gone', () => {
  const k = useKeyring();

  it('leaves a deleted item and a path where no item is out of the map, on every server', async () => {
    // gnome-keyring leaves them out of GetSecrets' answer; KWallet refuses the whole call (InvalidArgs).
    const collection = getDefaultCollection(k.conn);
    const kept = await collection.createItem('kept', uniqueAttributes(), 'still here');
    const gone = await collection.createItem('gone', uniqueAttributes(), 'deleted');
    await gone.delete();
    const nowhere = `${await collection.getPath()}/no_such_item_0`;
    const secrets = await getSecrets(k.conn, [kept, gone, nowhere]);
    expect([...secrets.keys()]).toEqual([kept.itemPath]);
    expect(secrets.get(kept.itemPath)?.toString()).toBe('still here');
    await kept.delete();
  });
});

describe('collections and aliases on gnome-keyring', () => {
  // The login and session collections, and their labels, are gnome-keyring's.
  const gnomePaths = !!skipOn({ kwallet: 'no login/session collections', keepassxc: 'no login/session collections' });
  const k = useKeyring();

  it.skipIf(gnomePaths)(
    'lists collections, resolves the default alias and falls back with getAnyCollection',
    async () => {
      const paths = (await getAllCollections(k.conn)).map((c) => c.collectionPath);
      expect(paths).toContain('/org/freedesktop/secrets/collection/login');
      expect(paths).toContain('/org/freedesktop/secrets/collection/session');
      const byAlias = await getCollectionByAlias(k.conn, 'default');
      expect(byAlias.collectionPath).toBe('/org/freedesktop/secrets/collection/login');
      const def = getDefaultCollection(k.conn);
      expect(def.collectionPath).toBe('/org/freedesktop/secrets/aliases/default');
      expect(await def.getPath()).toBe('/org/freedesktop/secrets/collection/login');
      expect(def.collectionPath).toBe('/org/freedesktop/secrets/collection/login');
      expect((await getAnyCollection(k.conn)).collectionPath).toBe(byAlias.collectionPath);
      expect(await def.getLabel()).toBe('Login');
      await expect(getCollectionByAlias(k.conn, 'no-such-alias')).rejects.toBeInstanceOf(ItemNotFoundException);
    },
  );

  it.skipIf(gnomePaths)('sets the default alias and changes collection labels', async () => {
    const session = new Collection(k.conn, '/org/freedesktop/secrets/collection/session');
    const login = new Collection(k.conn, '/org/freedesktop/secrets/collection/login');
    await setAlias(k.conn, 'default', session);
    expect((await getCollectionByAlias(k.conn, 'default')).collectionPath).toBe(session.collectionPath);
    await setAlias(k.conn, 'default', login);
    expect((await getCollectionByAlias(k.conn, 'default')).collectionPath).toBe(login.collectionPath);
    await session.setLabel('Session ✓');
    expect(await session.getLabel()).toBe('Session ✓');
    expect(await session.isLocked()).toBe(false);
  });

  it('checkServiceAvailability is true with gnome-keyring and false on a bare bus', async () => {
    expect(await checkServiceAvailability(k.conn)).toBe(true);
    const bare = await startPrivateBus();
    try {
      const conn = await dbusInit({ address: bare.address });
      expect(await checkServiceAvailability(conn)).toBe(false);
      await expect(getDefaultCollection(conn).getLabel()).rejects.toBeInstanceOf(NoBackendError);
      await conn.close();
    } finally {
      await bare.stop();
    }
  });

  it("targets the service by SECRET_SERVICE_BUS_NAME (here, gnome-keyring's unique name)", async () => {
    const owner = await k.conn.serviceOwner();
    process.env.SECRET_SERVICE_BUS_NAME = owner;
    try {
      const conn = await k.connect();
      expect(conn.serviceName).toBe(owner);
      const item = await getDefaultCollection(conn).createItem('by unique name', uniqueAttributes(), 'u');
      expect((await item.getSecret()).toString()).toBe('u');
    } finally {
      delete process.env.SECRET_SERVICE_BUS_NAME;
    }
  });

  it('negotiates plain when asked, and DH when required', async () => {
    const plain = await k.connect({ encryption: 'plain' });
    const item = await getDefaultCollection(plain).createItem('plain', uniqueAttributes(), 'over plain');
    expect((await item.getSecret()).toString()).toBe('over plain');
    expect((await plain.session()).algorithm).toBe('plain');
    const required = await k.connect({ encryption: 'require' });
    expect((await new Item(required, item.itemPath).getSecret()).toString()).toBe('over plain');
    expect((await required.session()).encrypted).toBe(true);
  });
});

describe('no bus, no service, bad input', () => {
  it('dbusInit without a bus address says how to get one', async () => {
    const saved = { ...process.env };
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.XDG_RUNTIME_DIR = await mkdtemp(join(tmpdir(), 'no-bus-'));
    try {
      const error = await dbusInit().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoBackendError);
      expect((error as Error).message).toMatch(/dbus-run-session/);
    } finally {
      process.env = saved;
    }
  });

  it('finds the bus at $XDG_RUNTIME_DIR/bus when DBUS_SESSION_BUS_ADDRESS is unset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xdg-bus-'));
    const bus = await startPrivateBus({ directory: dir });
    const saved = { ...process.env };
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.XDG_RUNTIME_DIR = dir;
    try {
      const conn = await dbusInit();
      expect(await checkServiceAvailability(conn)).toBe(false);
      await conn.close();
    } finally {
      process.env = saved;
      await bus.stop();
    }
  });

  it('an unreachable address, an unknown transport and an abstract socket on Node 20 give NoBackendError', async () => {
    await expect(dbusInit({ address: 'unix:path=/nonexistent/bus' })).rejects.toBeInstanceOf(NoBackendError);
    await expect(dbusInit({ address: 'launchd:env=X' })).rejects.toThrow(/not supported/);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      await expect(dbusInit({ address: 'unix:abstract=/tmp/dbus-test' })).rejects.toThrow(/Node 22/);
    }
  });

  it('refuses bad arguments with InvalidArgumentError before sending anything', async () => {
    expect(() => new Item({} as never, 'not/a/path')).toThrow(InvalidArgumentError);
    expect(() => new Collection({} as never, '/a//b')).toThrow(InvalidArgumentError);
    await expect(dbusInit({ encryption: 'maybe' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('secrets never leak into errors or inspection', () => {
  const k = useKeyring();
  it('keeps the secret out of util.inspect, JSON and error messages', async () => {
    const secret = 'SUPER-SECRET-VALUE-123';
    const item = await getDefaultCollection(k.conn).createItem('leak check', uniqueAttributes(), secret);
    const session = await k.conn.session();
    for (const text of [
      inspect(item, { depth: 10 }),
      inspect(k.conn, { depth: 10 }),
      JSON.stringify(item),
      inspect(session, { depth: 10 }),
    ]) {
      expect(text).not.toContain(secret);
    }
    const error = await getDefaultCollection(k.conn)
      .createItem('bad', { bad: 42 as unknown as string }, secret)
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(`${(error as Error).message}\n${(error as Error).stack}\n${inspect(error)}`).not.toContain(secret);
    await item.delete();
    const gone = await item.setSecret(secret).catch((e: Error) => e);
    expect(gone).toBeInstanceOf(ItemNotFoundException);
    expect(`${(gone as Error).message}\n${(gone as Error).stack}\n${inspect(gone)}`).not.toContain(secret);
  });
});

// The benchmark's generated keyring files, read by a real gnome-keyring-daemon: what the growth stage relies on.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a checked JavaScript module of the benchmark, without declarations
import { writeKeyringFile } from '../../bench/keyring-file.mjs';
import { dbusInit, getDefaultCollection, searchItems, unlockWithPassword, type Connection } from '../../src/index.js';
import { startHeadlessKeyring, type HeadlessKeyring } from '../../src/testing/headless-keyring.js';

const PASSWORD = 'generated-password';
const items = [
  { label: 'first item', secret: 'secret-0', attributes: { service: 'bench-growth', username: 'user0' } },
  {
    label: 'zweites Élément ✓',
    secret: 'pässwörd ✓',
    attributes: { service: 'bench-growth', username: 'user1', 'xdg:schema': 'org.bench.Password' },
  },
  { label: 'empty attributes', secret: '', attributes: {} },
];

describe('a keyring file written by bench/keyring-file.mjs', () => {
  let dataDir: string;
  let keyring: HeadlessKeyring;
  let conn: Connection;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'secretstorage-bench-test-'));
    // startGnomeKeyring keeps keyrings in <dataDir>/data/keyrings (its XDG_DATA_HOME is <dataDir>/data).
    const keyrings = join(dataDir, 'data', 'keyrings');
    await mkdir(keyrings, { recursive: true });
    await writeKeyringFile(join(keyrings, 'generated.keyring'), { label: 'generated', password: PASSWORD, items });
    await writeFile(join(keyrings, 'default'), 'generated');
    keyring = await startHeadlessKeyring({ dataDir });
    conn = await dbusInit({ address: keyring.address });
  });

  afterAll(async () => {
    await conn?.close();
    await keyring?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is the default collection, locked until its password is given', async () => {
    const collection = getDefaultCollection(conn);
    expect(await collection.getPath()).toBe('/org/freedesktop/secrets/collection/generated');
    expect(await collection.isLocked()).toBe(true);
    await expect(unlockWithPassword(conn, await collection.getPath(), 'wrong password')).rejects.toThrow();
    expect(await collection.isLocked()).toBe(true);
    await unlockWithPassword(conn, await collection.getPath(), PASSWORD);
    expect(await collection.isLocked()).toBe(false);
    expect(await collection.getLabel()).toBe('generated');
  });

  it('holds every item with its label, attributes and secret', async () => {
    const found = await getDefaultCollection(conn).getAllItems();
    expect(found).toHaveLength(items.length);
    const read = await Promise.all(
      found.map(async (item) => ({
        label: await item.getLabel(),
        secret: (await item.getSecret()).toString(),
        attributes: await item.getAttributes(),
      })),
    );
    // gnome-keyring names the schema of an item stored without one after its type (0: generic secret).
    const expected = items.map((item) => ({
      ...item,
      attributes: { 'xdg:schema': 'org.freedesktop.Secret.Generic', ...item.attributes },
    }));
    const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);
    expect(read.sort(byLabel)).toEqual(expected.sort(byLabel));
  });

  it('is searchable by attributes, and gnome-keyring can write it back', async () => {
    const [item] = await searchItems(conn, { service: 'bench-growth', username: 'user1' });
    expect((await item.getSecret()).toString()).toBe('pässwörd ✓');
    const added = await getDefaultCollection(conn).createItem('added', { service: 'added' }, 'new');
    await keyring.restartKeyring();
    const again = await dbusInit({ address: keyring.address });
    try {
      await unlockWithPassword(again, '/org/freedesktop/secrets/collection/generated', PASSWORD);
      const [reloaded] = await searchItems(again, { service: 'added' });
      expect(reloaded.itemPath).toBe(added.itemPath);
      expect(await getDefaultCollection(again).getAllItems()).toHaveLength(items.length + 1);
    } finally {
      await again.close();
    }
  });
});

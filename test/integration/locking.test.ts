import { describe, expect, it } from 'vitest';
import {
  Collection,
  ItemNotFoundException,
  LockedException,
  SecretStorageError,
  createCollectionWithPassword,
  getSecrets,
  lockObjects,
  searchItems,
  unlockObjects,
} from '../../src/index.js';
import { noPasswordCollections, testProvider, uniqueAttributes, useKeyring } from '../helpers/keyring.js';

describe('locked collections on gnome-keyring', () => {
  const k = useKeyring();

  async function lockedCollectionWithItem() {
    const collection = new Collection(k.conn, await createCollectionWithPassword(k.conn, 'Extra ✓', 'extra-password'));
    const attributes = uniqueAttributes();
    const item = await collection.createItem('in extra', attributes, 'extra secret');
    await collection.lock();
    return { collection, item, attributes };
  }

  it('locking or unlocking an object that does not exist fails, saying so', async () => {
    // gnome-keyring answers Lock of a missing collection with an empty list and no error.
    const missing = '/org/freedesktop/secrets/collection/no_such_collection';
    const error = await lockObjects(k.conn, [missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(testProvider === 'gnome-keyring' ? ItemNotFoundException : SecretStorageError);
    // Unlock too: not "did not unlock" (LockedException) for what is not there.
    const unlocking = await unlockObjects(k.conn, [missing]).catch((e: unknown) => e);
    expect(unlocking).toBeInstanceOf(testProvider === 'gnome-keyring' ? ItemNotFoundException : SecretStorageError);
  });

  it.skipIf(noPasswordCollections)('creates a collection with a password and no prompt', async () => {
    const path = await createCollectionWithPassword(k.conn, 'Made headless', 'pw');
    const collection = new Collection(k.conn, path);
    expect(await collection.getLabel()).toBe('Made headless');
    expect(await collection.isLocked()).toBe(false);
    await collection.delete();
  });

  it.skipIf(noPasswordCollections)(
    'lock() locks; reads and writes then raise LockedException from the server or the client check',
    async () => {
      const { collection, item } = await lockedCollectionWithItem();
      expect(await collection.isLocked()).toBe(true);
      expect(await item.isLocked()).toBe(true);
      await expect(collection.ensureNotLocked()).rejects.toBeInstanceOf(LockedException);
      await expect(item.ensureNotLocked()).rejects.toBeInstanceOf(LockedException);
      const fromServer = await item.getSecret().catch((error: unknown) => error);
      expect(fromServer).toBeInstanceOf(LockedException);
      expect((fromServer as LockedException).dbusName).toBe('org.freedesktop.Secret.Error.IsLocked');
      await expect(collection.createItem('no', uniqueAttributes(), 'x')).rejects.toBeInstanceOf(LockedException);
      await expect(item.setSecret('x')).rejects.toBeInstanceOf(LockedException);
    },
  );

  it.skipIf(noPasswordCollections)(
    'searchItems lists unlocked items before locked ones; GetSecrets skips the locked',
    async () => {
      const { item, attributes } = await lockedCollectionWithItem();
      const unlockedItem = await new Collection(k.conn, '/org/freedesktop/secrets/collection/login').createItem(
        'unlocked twin',
        attributes,
        'visible',
      );
      const found = await searchItems(k.conn, { test: attributes.test });
      expect(found.map((i) => i.itemPath)).toEqual([unlockedItem.itemPath, item.itemPath]);
      const secrets = await getSecrets(k.conn, found);
      expect([...secrets.keys()]).toEqual([unlockedItem.itemPath]);
      expect(secrets.get(unlockedItem.itemPath)?.toString()).toBe('visible');
    },
  );

  it.skipIf(noPasswordCollections)(
    'unlock({ password }) unlocks without a prompt; a wrong password is refused',
    async () => {
      const { collection, item } = await lockedCollectionWithItem();
      const refused = await collection.unlock({ password: 'wrong' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SecretStorageError);
      expect((refused as Error).message).toMatch(/refused the password/);
      expect(await collection.isLocked()).toBe(true);
      await collection.unlock({ password: 'extra-password' });
      expect(await collection.isLocked()).toBe(false);
      expect((await item.getSecret()).toString()).toBe('extra secret');
    },
  );
});

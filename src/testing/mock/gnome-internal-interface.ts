/**
 * gnome-keyring's `org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface` (reference notes §1.8): the headless
 * way to create and unlock a keyring. Master passwords arrive as `(oayays)` secrets of an open session.
 */
import { timingSafeEqual } from 'node:crypto';
import { wipe } from '../../crypto/bytes.js';
import { GNOME_DENIED, SecretErrors, ServiceError } from './errors.js';
import { readLabel, type Interface, type MockContext } from './objects.js';
import { fromWire } from './sessions.js';
import type { MockCollection } from './store.js';

function samePassword(expected: Uint8Array | undefined, given: Uint8Array): boolean {
  if (expected === undefined) return true;
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function gnomeInternalInterface(context: MockContext): Interface {
  const { store, sessions } = context;

  const requireCollection = (path: string): MockCollection => {
    const collection = store.collection(path);
    if (!collection) throw new ServiceError(SecretErrors.noSuchObject, `No collection ${path}`);
    return collection;
  };

  /** @throws ServiceError Denied when `password` is not the collection's master password. */
  const checkPassword = (collection: MockCollection, password: Uint8Array): void => {
    const matches = samePassword(collection.masterPassword, password);
    wipe(password);
    if (!matches) throw new ServiceError(GNOME_DENIED, `The password for ${collection.path} was not correct`);
  };

  return {
    methods: {
      CreateWithMasterPassword: {
        in: 'a{sv}(oayays)',
        out: 'o',
        call({ args: [properties, master], sender }) {
          const label = readLabel(properties, 'org.freedesktop.Secret.Collection.Label');
          const masterPassword = sessions.decode(fromWire(master), sender);
          return [store.createCollection({ label, masterPassword }).path];
        },
      },
      UnlockWithMasterPassword: {
        in: 'o(oayays)',
        out: '',
        call({ args: [path, master], sender }) {
          const collection = requireCollection(path as string);
          checkPassword(collection, sessions.decode(fromWire(master), sender));
          store.unlock(collection.path);
          return [];
        },
      },
      ChangeWithMasterPassword: {
        in: 'o(oayays)(oayays)',
        out: '',
        call({ args: [path, original, master], sender }) {
          const collection = requireCollection(path as string);
          checkPassword(collection, sessions.decode(fromWire(original), sender));
          wipe(collection.masterPassword);
          collection.masterPassword = sessions.decode(fromWire(master), sender);
          return [];
        },
      },
    },
  };
}

/** `org.freedesktop.Secret.Collection` (reference notes §1.3, quirks §4). */
import { variant } from '../../dbus/codec.js';
import { wipe } from '../../crypto/bytes.js';
import { SecretErrors, ServiceError } from './errors.js';
import { DISMISSED_RESULT } from './prompts.js';
import {
  NO_OBJECT,
  readAttributes,
  readLabel,
  readProperty,
  timestamp,
  type Interface,
  type MockContext,
} from './objects.js';
import { fromWire } from './sessions.js';
import type { MockCollection, NewItem } from './store.js';

export function collectionInterface(context: MockContext, collection: MockCollection): Interface {
  const { store, sessions, prompts, scenario } = context;

  /** A prompt may complete after the collection is gone; its work must not resurrect it. */
  const requireStillExists = (): void => {
    if (store.collections.get(collection.path) !== collection) {
      throw new ServiceError(SecretErrors.noSuchObject, `Collection ${collection.path} was deleted`);
    }
  };

  return {
    methods: {
      Delete: {
        in: '',
        out: 'o',
        call({ sender }) {
          if (!scenario.promptOnDelete) {
            store.deleteCollection(collection);
            return [NO_OBJECT];
          }
          return [
            prompts.create(sender, () => {
              store.deleteCollection(collection);
              return DISMISSED_RESULT;
            }),
          ];
        },
      },
      SearchItems: {
        in: 'a{ss}',
        out: 'ao',
        call({ args: [query] }) {
          return [store.searchItems(readAttributes(query), [collection]).map((item) => item.path)];
        },
      },
      CreateItem: {
        in: 'a{sv}(oayays)b',
        out: 'oo',
        call({ args: [properties, secret, replace], sender }) {
          const attributes = readProperty(properties, 'org.freedesktop.Secret.Item.Attributes', 'a{ss}');
          const wire = fromWire(secret);
          const item: NewItem = {
            label: readLabel(properties, 'org.freedesktop.Secret.Item.Label'),
            attributes: attributes === undefined ? {} : readAttributes(attributes),
            secret: sessions.decode(wire, sender),
            contentType: wire.contentType,
          };
          if (scenario.promptOnCreateItem) {
            // KeePassXC always asks, and (since its PR #8022) unlocks a locked database through the same prompt.
            const prompt = prompts.create(sender, () => {
              try {
                requireStillExists();
                store.unlock(collection.path);
                return variant('o', store.storeItem(collection, item, replace as boolean).path);
              } finally {
                wipe(item.secret);
              }
            });
            return [NO_OBJECT, prompt];
          }
          try {
            if (collection.locked) {
              throw new ServiceError(SecretErrors.isLocked, `Cannot create an item in a locked collection`);
            }
            return [store.storeItem(collection, item, replace as boolean).path, NO_OBJECT];
          } finally {
            wipe(item.secret);
          }
        },
      },
    },
    properties: {
      Items: { signature: 'ao', get: () => [...collection.items.keys()] },
      Label: {
        signature: 's',
        get: () => collection.label,
        set: (label) => store.setCollectionLabel(collection, label as string),
      },
      Locked: { signature: 'b', get: () => collection.locked },
      Created: { signature: 't', get: () => timestamp(collection.created) },
      Modified: { signature: 't', get: () => timestamp(collection.modified) },
    },
  };
}

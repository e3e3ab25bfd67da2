/** `org.freedesktop.Secret.Item` (reference notes §1.4). Everything but reading properties needs the item unlocked. */
import { wipe } from '../../crypto/bytes.js';
import { SecretErrors, ServiceError } from './errors.js';
import { DISMISSED_RESULT } from './prompts.js';
import { NO_OBJECT, outgoingSecret, readAttributes, timestamp, type Interface, type MockContext } from './objects.js';
import { fromWire } from './sessions.js';
import type { MockItem } from './store.js';

export function itemInterface(context: MockContext, item: MockItem): Interface {
  const { store, sessions, prompts, scenario } = context;

  /** @throws ServiceError IsLocked when the item or its collection is locked. */
  const requireUnlocked = (): void => {
    if (store.isItemLocked(item)) throw new ServiceError(SecretErrors.isLocked, `Item ${item.path} is locked`);
  };

  return {
    methods: {
      Delete: {
        in: '',
        out: 'o',
        call({ sender }) {
          requireUnlocked();
          if (!scenario.promptOnDelete) {
            store.deleteItem(item);
            return [NO_OBJECT];
          }
          return [
            prompts.create(sender, () => {
              store.deleteItem(item);
              return DISMISSED_RESULT;
            }),
          ];
        },
      },
      GetSecret: {
        in: 'o',
        out: '(oayays)',
        call({ args: [sessionPath], sender }) {
          const session = sessions.require(sessionPath as string, sender);
          requireUnlocked();
          return [outgoingSecret(context, session, item, 'GetSecret', sender)];
        },
      },
      SetSecret: {
        in: '(oayays)',
        out: '',
        call({ args: [secret], sender }) {
          const wire = fromWire(secret);
          const plaintext = sessions.decode(wire, sender);
          try {
            requireUnlocked();
            store.updateItem(item, { secret: plaintext, contentType: wire.contentType });
          } finally {
            wipe(plaintext);
          }
          return [];
        },
      },
    },
    properties: {
      Locked: { signature: 'b', get: () => store.isItemLocked(item) },
      Attributes: {
        signature: 'a{ss}',
        get: () => ({ ...item.attributes }),
        set: (attributes) => {
          requireUnlocked();
          store.updateItem(item, { attributes: readAttributes(attributes) });
        },
      },
      Label: {
        signature: 's',
        get: () => item.label,
        set: (label) => {
          requireUnlocked();
          store.updateItem(item, { label: label as string });
        },
      },
      Created: { signature: 't', get: () => timestamp(item.created) },
      Modified: { signature: 't', get: () => timestamp(item.modified) },
    },
  };
}

/** `org.freedesktop.Secret.Service` on `/org/freedesktop/secrets` (reference notes §1.2, quirks §4). */
import { variant } from '../../dbus/codec.js';
import type { DBusVariant } from '../../dbus/message.js';
import { DBusErrors, SecretErrors, ServiceError } from './errors.js';
import {
  NO_OBJECT,
  outgoingSecret,
  readAttributes,
  readLabel,
  type Interface,
  type MethodCall,
  type MockContext,
} from './objects.js';
import type { MockCollection } from './store.js';

/** The paths among `paths` that name a collection or an item, as given; gnome-keyring skips unknown paths too. */
function existingObjects(context: MockContext, paths: string[]): string[] {
  return paths.filter((path) => context.store.isLocked(path) !== undefined);
}

export function serviceInterface(context: MockContext): Interface {
  const { store, sessions, prompts, scenario } = context;
  return {
    methods: {
      OpenSession: {
        in: 'sv',
        out: 'vo',
        call({ args: [algorithm, input], sender }) {
          const { output, path } = sessions.open(algorithm as string, input as DBusVariant, sender);
          return [output, path];
        },
      },
      CreateCollection: {
        in: 'a{sv}s',
        out: 'oo',
        // Always through a prompt, like gnome-keyring, KWallet and oo7-daemon: clients must handle "/" + prompt.
        call({ args: [properties, alias], sender }) {
          const label = readLabel(properties, 'org.freedesktop.Secret.Collection.Label');
          const prompt = prompts.create(sender, () => {
            const existing = alias === '' ? undefined : store.readAlias(alias as string);
            const collection = existing ?? store.createCollection({ label });
            if (alias !== '') store.setAlias(alias as string, collection);
            return variant('o', collection.path);
          });
          return [NO_OBJECT, prompt];
        },
      },
      SearchItems: {
        in: 'a{ss}',
        out: 'aoao',
        call({ args: [query] }) {
          const found = store.searchItems(readAttributes(query));
          return [
            found.filter((item) => !store.isItemLocked(item)).map((item) => item.path),
            found.filter((item) => store.isItemLocked(item)).map((item) => item.path),
          ];
        },
      },
      Unlock: {
        in: 'ao',
        out: 'aoo',
        call({ args: [paths], sender }) {
          const objects = existingObjects(context, paths as string[]);
          const locked = objects.filter((path) => store.isLocked(path));
          const unlocked = objects.filter((path) => !store.isLocked(path));
          if (locked.length === 0) return [unlocked, NO_OBJECT];
          const prompt = prompts.create(sender, () => {
            // Re-checked: an object deleted while the prompt was pending is simply not unlocked.
            const stillThere = existingObjects(context, locked);
            for (const path of stillThere) store.unlock(path);
            return variant('ao', stillThere);
          });
          return [unlocked, prompt];
        },
      },
      Lock: {
        in: 'ao',
        out: 'aoo',
        call({ args: [paths], sender }) {
          const lockAll = (): string[] => {
            const objects = existingObjects(context, paths as string[]);
            for (const path of objects) store.lock(path);
            return objects;
          };
          if (scenario.refusesLockOfLocked) {
            const already = existingObjects(context, paths as string[]).find((path) => store.isLocked(path));
            if (already) throw new ServiceError(DBusErrors.invalidArgs, `Can't lock object at path ${already}`);
          }
          if (!scenario.promptOnLock) return [lockAll(), NO_OBJECT];
          const prompt = prompts.create(sender, () => variant('ao', lockAll()));
          return [[], prompt];
        },
      },
      GetSecrets: {
        in: 'aoo',
        out: 'a{o(oayays)}',
        call: getSecrets(context),
      },
      ReadAlias: {
        in: 's',
        out: 'o',
        call({ args: [name] }) {
          return [store.readAlias(name as string)?.path ?? NO_OBJECT];
        },
      },
      SetAlias: {
        in: 'so',
        out: '',
        call({ args: [name, path] }) {
          let collection: MockCollection | undefined;
          if (path !== NO_OBJECT) {
            collection = store.collection(path as string);
            if (!collection) throw new ServiceError(SecretErrors.noSuchObject, `No collection ${path as string}`);
          }
          store.setAlias(name as string, collection);
          return [];
        },
      },
    },
    properties: {
      Collections: { signature: 'ao', get: () => [...store.collections.keys()] },
    },
  };
}

/**
 * `GetSecrets`: skips locked and unknown items (gnome-keyring, oo7, KeePassXC), fails on a locked one
 * (getSecretsFailsOnLocked) or returns it anyway (KWallet), and fails on an unknown one (getSecretsFailsOnMissing,
 * KWallet).
 */
function getSecrets(context: MockContext): (call: MethodCall) => unknown[] {
  return ({ args: [paths, sessionPath], sender }) => {
    const session = context.sessions.require(sessionPath as string, sender);
    const secrets: Record<string, [string, Buffer, Buffer, string]> = {};
    for (const path of paths as string[]) {
      const item = context.store.item(path);
      if (!item) {
        if (context.scenario.getSecretsFailsOnMissing) {
          throw new ServiceError(DBusErrors.invalidArgs, `Can't find item at path ${path}`);
        }
        continue;
      }
      if (context.store.isItemLocked(item) && !context.scenario.getSecretsIgnoresLock) {
        if (context.scenario.getSecretsFailsOnLocked) {
          throw new ServiceError(SecretErrors.isLocked, `Cannot get secret of a locked object ${path}`);
        }
        continue;
      }
      secrets[path] = outgoingSecret(context, session, item, 'GetSecrets', sender);
    }
    return [secrets];
  };
}

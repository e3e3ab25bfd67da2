/** Listing, locking and unlocking collections by alias or path, for the CLI and for scripts. */
import { Collection } from '../collection.js';
import { ItemNotFoundException } from '../errors.js';
import { lockObjects } from '../prompted-calls.js';
import { defaultCollectionPath, getAllCollections } from '../service.js';
import { runOperation, type KeyringOptions } from './operation.js';
import { readScope } from './target.js';
import { unlockWithPassword } from '../gnome-internal.js';
import { unlockForUse } from '../unlock-for-use.js';

export type CollectionOptions = Omit<KeyringOptions, 'profile'>;

export interface CollectionInfo {
  path: string;
  label: string;
  /** The `default` alias points here. */
  isDefault: boolean;
  locked: boolean;
  /** Number of items (services list them even while locked). */
  items: number;
}

/**
 * Every collection with its label, lock state, item count and whether it is the default one.
 * @throws NoBackendError.
 */
export function listCollections(options: CollectionOptions = {}): Promise<CollectionInfo[]> {
  return runOperation(options, 'collections', async ({ connection }) => {
    const [collections, defaultPath] = await Promise.all([
      getAllCollections(connection),
      defaultCollectionPath(connection),
    ]);
    const infos = await Promise.all(
      collections.map(async (collection): Promise<CollectionInfo | undefined> => {
        const path = collection.collectionPath;
        try {
          const [label, locked, items] = await Promise.all([
            collection.getLabel(),
            collection.isLocked(),
            collection.getAllItems(),
          ]);
          return { path, label, isDefault: path === defaultPath, locked, items: items.length };
        } catch (error) {
          // Deleted between the listing and now.
          if (error instanceof ItemNotFoundException) return undefined;
          throw error;
        }
      }),
    );
    return infos.filter((info) => info !== undefined);
  });
}

export interface LockResult {
  /** Collections that are now locked. */
  locked: string[];
  /** Collections the service kept unlocked (gnome-keyring never locks its in-memory `session` collection). */
  stillUnlocked: string[];
}

/**
 * Locks `options.collection`, or every collection when none is named, and reports which ones are now locked.
 * @throws ItemNotFoundException for an unknown alias; NoBackendError.
 */
export function lockCollections(options: CollectionOptions = {}): Promise<LockResult> {
  return runOperation(options, 'lock', async ({ connection, prompt }) => {
    const scope = await readScope(connection, options.collection);
    const paths = scope !== undefined ? [scope] : (await getAllCollections(connection)).map((c) => c.collectionPath);
    if (paths.length > 0) await lockObjects(connection, paths, prompt);
    const states = await Promise.all(paths.map((path) => new Collection(connection, path).isLocked()));
    return {
      locked: paths.filter((_, index) => states[index]),
      stillUnlocked: paths.filter((_, index) => !states[index]),
    };
  });
}

export interface UnlockCollectionOptions extends CollectionOptions {
  /** Unlock with the collection's password instead of a prompt (gnome-keyring and oo7-daemon only). */
  password?: string | Uint8Array;
}

export interface UnlockCollectionResult {
  /** The collection's object path. */
  path: string;
  /**
   * Whether it was locked. When it was not, nothing was sent, not even `password`: gnome-keyring accepts any
   * password for a collection that is already unlocked, so sending it would check nothing.
   */
  wasLocked: boolean;
}

/**
 * Unlocks `options.collection` (default: the `default` alias), through the service's prompt or with `password`,
 * unless it is unlocked already.
 * @throws LockedException or TimeoutException when the prompt failed (the message says why and what to do);
 *   SecretStorageError when the password is refused or the service cannot take one; ItemNotFoundException.
 */
export function unlockCollection(options: UnlockCollectionOptions = {}): Promise<UnlockCollectionResult> {
  return runOperation(options, 'unlock', async ({ connection, prompt }) => {
    const path = (await readScope(connection, options.collection ?? 'default'))!;
    if (!(await new Collection(connection, path).isLocked())) return { path, wasLocked: false };
    if (options.password !== undefined) await unlockWithPassword(connection, path, options.password);
    else await unlockForUse(connection, [path], 'Unlocking', prompt);
    return { path, wasLocked: true };
  });
}

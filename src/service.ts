/** The service-wide functions of SecretStorage's API: finding collections, searching, aliases and batch reads. */
import { Collection, createCollectionPath } from './collection.js';
import type { Connection } from './connection.js';
import { ITEM_IFACE, NO_OBJECT, SERVICE_IFACE, SERVICE_PATH, SESSION_COLLECTION_PATH } from './defines.js';
import {
  InvalidArgumentError,
  ItemNotFoundException,
  LockedException,
  NoBackendError,
  TimeoutException,
} from './errors.js';
import { Item } from './item.js';
import type { PromptOptions } from './prompt.js';
import { wipeSecretStruct } from './session.js';
import { assertAlias, assertLabel, assertObjectPath, checkAttributes } from './validate.js';

/**
 * Whether a Secret Service is running on the bus or can be started by it (D-Bus activation).
 * @throws NoBackendError if the bus itself cannot be asked.
 */
export async function checkServiceAvailability(connection: Connection): Promise<boolean> {
  if (await connection.callBus('NameHasOwner', 's', [connection.serviceName])) return true;
  const activatable = (await connection.callBus('ListActivatableNames')) as string[];
  return activatable.includes(connection.serviceName);
}

/**
 * The collection behind the `default` alias. Returned at once; the alias is resolved with `ReadAlias` on first use,
 * and if no collection has it, one labelled "Default" is created (with a prompt), as SecretStorage does.
 */
export function getDefaultCollection(connection: Connection, options: PromptOptions = {}): Collection {
  return new Collection(connection, undefined, { ...options, createWithLabel: 'Default' });
}

/**
 * The collection with `alias`.
 * @throws ItemNotFoundException if no collection has that alias.
 */
export async function getCollectionByAlias(connection: Connection, alias: string): Promise<Collection> {
  assertAlias(alias);
  const [path] = (await connection.call(SERVICE_PATH, SERVICE_IFACE, 'ReadAlias', 's', [alias], {
    replySignature: 'o',
  })) as [string];
  if (path === NO_OBJECT) throw new ItemNotFoundException(`No collection has the alias "${alias}".`);
  return new Collection(connection, path);
}

/** The object path behind the `default` alias, or undefined while no collection has it. */
export async function defaultCollectionPath(connection: Connection): Promise<string | undefined> {
  try {
    return (await getCollectionByAlias(connection, 'default')).collectionPath;
  } catch (error) {
    if (error instanceof ItemNotFoundException) return undefined;
    throw error;
  }
}

/** Every collection the service has. */
export async function getAllCollections(connection: Connection): Promise<Collection[]> {
  const paths = (await connection.getProperty(SERVICE_PATH, SERVICE_IFACE, 'Collections', 'ao')) as string[];
  return paths.map((path) => new Collection(connection, path));
}

/**
 * The default collection if there is one, else gnome-keyring's `session` collection, else the first collection.
 * Never creates one.
 * @throws ItemNotFoundException when the service has no collection at all.
 */
export async function getAnyCollection(connection: Connection): Promise<Collection> {
  try {
    return await getCollectionByAlias(connection, 'default');
  } catch (error) {
    if (!(error instanceof ItemNotFoundException)) throw error;
  }
  const collections = await getAllCollections(connection);
  const session = collections.find((collection) => collection.collectionPath === SESSION_COLLECTION_PATH);
  const any = session ?? collections[0];
  if (!any) throw new ItemNotFoundException('The Secret Service has no collections.');
  return any;
}

/**
 * Creates a collection (the service shows a prompt; gnome-keyring asks for its password). With an `alias` the
 * service may return the existing collection that has it.
 * @throws PromptDismissedException, TimeoutException.
 */
export async function createCollection(
  connection: Connection,
  label: string,
  alias = '',
  options: PromptOptions = {},
): Promise<Collection> {
  assertLabel(label);
  assertAlias(alias, true);
  return new Collection(connection, await createCollectionPath(connection, label, alias, options));
}

/** Points `alias` at `collection` (or removes the alias when `collection` is null). */
export async function setAlias(connection: Connection, alias: string, collection: Collection | null): Promise<void> {
  assertAlias(alias);
  const path = collection === null ? NO_OBJECT : await collection.getPath();
  await connection.call(SERVICE_PATH, SERVICE_IFACE, 'SetAlias', 'so', [alias, path], { replySignature: '' });
}

/** Items in any collection whose attributes include all of `attributes`: unlocked ones first, then locked ones. */
export async function searchItems(connection: Connection, attributes: Record<string, string>): Promise<Item[]> {
  const { unlocked, locked } = await searchItemPaths(connection, attributes);
  return [...unlocked, ...locked].map((path) => new Item(connection, path));
}

/** The paths of matching items, split as the service reports them. */
export async function searchItemPaths(
  connection: Connection,
  attributes: Record<string, string>,
): Promise<{ unlocked: string[]; locked: string[] }> {
  const clean = checkAttributes(attributes);
  const [unlocked, locked] = (await connection.call(SERVICE_PATH, SERVICE_IFACE, 'SearchItems', 'a{ss}', [clean], {
    replySignature: 'aoao',
  })) as [string[], string[]];
  return { unlocked, locked };
}

/**
 * The secrets of many items in one `GetSecrets` call (SecretStorage has no batch read). The map is keyed by item
 * path; locked or missing items are absent from it. gnome-keyring leaves them out of its answer; KeePassXC (a locked
 * item) and KWallet (a missing one) refuse the whole call, and the items are then read one by one with
 * `Item.GetSecret`, as are all of them from a service without `GetSecrets`.
 * @throws NoBackendError, TimeoutException, and an error a read of one item gives other than its being locked or
 *   missing.
 */
export async function getSecrets(connection: Connection, items: (Item | string)[]): Promise<Map<string, Buffer>> {
  if (!Array.isArray(items)) throw new InvalidArgumentError('items', 'expected an array of Items or object paths.');
  const paths = items.map((item, index) => {
    const path = item instanceof Item ? item.itemPath : item;
    assertObjectPath(`items[${index}]`, path);
    return path;
  });
  const secrets = new Map<string, Buffer>();
  if (paths.length === 0) return secrets;
  return connection.withSession(async (session) => {
    let byPath: Record<string, unknown>;
    try {
      [byPath] = (await connection.call(SERVICE_PATH, SERVICE_IFACE, 'GetSecrets', 'aoo', [paths, session.path], {
        replySignature: 'a{o(oayays)}',
      })) as [Record<string, unknown>];
    } catch (error) {
      // The service is gone, or out of time: reading item by item would only say so again.
      if (error instanceof NoBackendError || error instanceof TimeoutException) throw error;
      byPath = await readOneByOne(connection, [...new Set(paths)], session.path);
    }
    const structs = Object.entries(byPath);
    try {
      const asked = new Set(paths);
      for (const [path, struct] of structs) {
        // Only what was asked for: an item the service adds on its own is not the caller's to receive.
        if (asked.has(path)) secrets.set(path, session.decode(struct, `Service.GetSecrets for ${path}`).value);
        else wipeSecretStruct(struct);
      }
    } catch (error) {
      for (const value of secrets.values()) value.fill(0);
      for (const [, struct] of structs) wipeSecretStruct(struct); // those not decoded yet
      throw error;
    }
    return secrets;
  });
}

/**
 * `Item.GetSecret` of each path, as GetSecrets' answer would hold them: an item that is locked or missing is left
 * out. Every struct read is wiped when another read fails.
 */
async function readOneByOne(
  connection: Connection,
  paths: string[],
  sessionPath: string,
): Promise<Record<string, unknown>> {
  const reads = await Promise.allSettled(
    paths.map(async (path) => {
      const [struct] = await connection.call(path, ITEM_IFACE, 'GetSecret', 'o', [sessionPath], {
        replySignature: '(oayays)',
      });
      return struct;
    }),
  );
  const byPath: Record<string, unknown> = {};
  const failure = reads.find(
    (read): read is PromiseRejectedResult =>
      read.status === 'rejected' &&
      !(read.reason instanceof ItemNotFoundException || read.reason instanceof LockedException),
  );
  reads.forEach((read, index) => {
    if (read.status !== 'fulfilled') return;
    if (failure) wipeSecretStruct(read.value);
    else byPath[paths[index]] = read.value;
  });
  if (failure) throw failure.reason;
  return byPath;
}

/**
 * Items named by attributes alone, as `secret-tool lookup`, `store` and `clear` name them: no profile, no user name,
 * exactly the attributes given. The git credential helper and the CLI's secret-tool commands use these.
 */
import { Item } from '../item.js';
import { searchItemPaths } from '../service.js';
import { unlockForUse } from '../unlock-for-use.js';
import { checkAttributes } from '../validate.js';
import { collectionOf } from './lookup.js';
import { runOperation, type KeyringOptions } from './operation.js';
import { readScope, writeTarget } from './target.js';
import { LockedException } from '../errors.js';

export type AttributeOptions = Omit<KeyringOptions, 'profile'>;

export interface StoreSecretOptions extends AttributeOptions {
  /** The secret's content type (default: `text/plain` for a string, `application/octet-stream` for bytes). */
  contentType?: string;
}

/** The matching item paths in scope: the unlocked ones first, then the locked ones, each in the service's order. */
async function findPaths(
  connection: Parameters<typeof searchItemPaths>[0],
  attributes: Record<string, string>,
  collection: string | undefined,
): Promise<{ unlocked: string[]; locked: string[] }> {
  const scope = await readScope(connection, collection);
  const found = await searchItemPaths(connection, attributes);
  const inScope = (path: string) => scope === undefined || collectionOf(path) === scope;
  return { unlocked: found.unlocked.filter(inScope), locked: found.locked.filter(inScope) };
}

export interface FoundSecret {
  path: string;
  /** All the item's attributes (a superset of the ones searched for). */
  attributes: Record<string, string>;
  /** The secret: the caller's to wipe. */
  secret: Buffer;
}

/**
 * An item whose attributes include all of `attributes` (an unlocked one if there is one, else a locked one unlocked
 * through the service's prompt), with its attributes and secret, or null when none matches.
 * @throws LockedException or TimeoutException when the only matches are locked and the prompt failed; NoBackendError;
 *   InvalidArgumentError for attributes that are not a plain object of strings.
 */
export async function lookupItem(
  attributes: Record<string, string>,
  options: AttributeOptions = {},
): Promise<FoundSecret | null> {
  const query = checkAttributes(attributes);
  return runOperation(options, 'lookup', async ({ connection, prompt, checkpoint }) => {
    const { unlocked, locked } = await findPaths(connection, query, options.collection);
    const path = unlocked[0] ?? locked[0];
    if (path === undefined) return null;
    if (unlocked.length === 0) {
      await unlockForUse(connection, [path], 'Reading the secret', prompt);
      checkpoint();
    }
    const item = new Item(connection, path);
    const [itemAttributes, secret] = await Promise.all([item.getAttributes(), item.getSecret()]);
    return { path, attributes: itemAttributes, secret };
  });
}

/**
 * The secret of an item whose attributes include all of `attributes`, as {@link lookupItem} finds it, or null. The
 * Buffer is the caller's to wipe.
 * @throws what lookupItem throws.
 */
export async function lookupSecret(
  attributes: Record<string, string>,
  options: AttributeOptions = {},
): Promise<Buffer | null> {
  return (await lookupItem(attributes, options))?.secret ?? null;
}

/**
 * Stores `secret` under `label` with exactly `attributes` in `options.collection` (default: the `default` alias,
 * created if missing), replacing the item there with the same attributes; resolves with the item's path.
 * @throws LockedException or TimeoutException when the collection is locked and the prompt failed;
 *   NoDefaultCollectionError when there is no default collection and none can be created; NoBackendError;
 *   InvalidArgumentError.
 */
export async function storeSecret(
  label: string,
  attributes: Record<string, string>,
  secret: string | Uint8Array,
  options: StoreSecretOptions = {},
): Promise<string> {
  const query = checkAttributes(attributes);
  return runOperation(options, 'store', async ({ connection, prompt, checkpoint }) => {
    const target = await writeTarget(connection, options.collection, prompt);
    checkpoint();
    const create = () =>
      target.createItem(label, query, secret, {
        replace: true,
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
        ...prompt,
      });
    try {
      return (await create()).itemPath;
    } catch (error) {
      if (!(error instanceof LockedException)) throw error;
      await unlockForUse(connection, [await target.getPath()], 'Storing the secret', prompt);
      checkpoint();
      return (await create()).itemPath;
    }
  });
}

/**
 * Deletes every item whose attributes include all of `attributes` (locked ones are unlocked first, through the
 * service's prompt; if that fails, nothing is deleted); resolves with how many were deleted.
 * @throws LockedException or TimeoutException when a match is locked and the prompt failed; NoBackendError;
 *   InvalidArgumentError.
 */
export async function clearSecrets(
  attributes: Record<string, string>,
  options: AttributeOptions = {},
): Promise<number> {
  const query = checkAttributes(attributes);
  return runOperation(options, 'clear', async ({ connection, prompt, checkpoint }) => {
    const { unlocked, locked } = await findPaths(connection, query, options.collection);
    if (locked.length > 0) {
      await unlockForUse(connection, locked, 'Deleting the items', prompt, 'Nothing was deleted.');
      checkpoint();
    }
    const paths = [...unlocked, ...locked];
    for (const path of paths) await new Item(connection, path).delete(prompt);
    return paths.length;
  });
}

/** Turning the `collection` option (an alias or an object path) into the collection an operation uses. */
import { NoDefaultCollectionError } from './errors.js';
import { Collection, createCollectionPath } from '../collection.js';
import type { Connection } from '../connection.js';
import { PromptDismissedException, TimeoutException } from '../errors.js';
import type { PromptOptions } from '../prompt.js';
import { defaultCollectionPath, getCollectionByAlias } from '../service.js';
import { assertObjectPath } from '../validate.js';
import { hasGraphicalSession } from '../unlock-for-use.js';

/** libsecret's label for the default collection it creates when there is none. */
const DEFAULT_COLLECTION_LABEL = 'Default keyring';

/**
 * The object path of the collection named by `collection` for reads, or undefined for "every collection".
 * @throws ItemNotFoundException when no collection has that alias.
 */
export async function readScope(connection: Connection, collection: string | undefined): Promise<string | undefined> {
  if (collection === undefined) return undefined;
  if (collection.startsWith('/')) {
    assertObjectPath('collection', collection);
    return collection;
  }
  return (await getCollectionByAlias(connection, collection)).collectionPath;
}

/**
 * The collection a write goes to: `collection`, else the `default` alias, which is created (with the service's
 * prompt) when no collection has it, as libsecret and Python keyring do. `defaultPath`: the `default` alias's
 * collection when the caller already looked it up.
 * @throws ItemNotFoundException for an unknown alias other than `default`; NoDefaultCollectionError (a
 *   PromptDismissedException) or TimeoutException when the default collection is missing and its creation prompt
 *   failed.
 */
export async function writeTarget(
  connection: Connection,
  collection: string | undefined,
  prompt: PromptOptions,
  defaultPath?: string,
): Promise<Collection> {
  if (collection !== undefined && collection !== 'default') {
    return new Collection(connection, (await readScope(connection, collection))!);
  }
  const existing = defaultPath ?? (await defaultCollectionPath(connection));
  if (existing) return new Collection(connection, existing);
  return createDefaultCollection(connection, prompt, 'or pass `collection` (`--collection`) naming an existing one');
}

/**
 * Creates the collection with the `default` alias, through the service's prompt, as libsecret and Python keyring do
 * when none has it. `otherWay`: what else the caller can do, for the error's advice.
 * @throws NoDefaultCollectionError (a PromptDismissedException) or TimeoutException, saying what to do, when the
 *   prompt failed; the signal's reason when the caller aborted.
 */
export async function createDefaultCollection(
  connection: Connection,
  prompt: PromptOptions,
  otherWay?: string,
): Promise<Collection> {
  try {
    return new Collection(
      connection,
      await createCollectionPath(connection, DEFAULT_COLLECTION_LABEL, 'default', prompt),
    );
  } catch (error) {
    if (!(error instanceof PromptDismissedException || error instanceof TimeoutException)) throw error;
    if (prompt.signal?.aborted && prompt.signal.reason !== error) throw prompt.signal.reason;
    const why = hasGraphicalSession()
      ? 'its creation prompt was not completed'
      : 'creating one needs a prompt, and this process has no graphical session to show it in';
    const Type = error instanceof TimeoutException ? TimeoutException : NoDefaultCollectionError;
    throw new Type(
      `There is no default collection to store the secret in, and ${why}. Start the keyring with a login ` +
        'collection (`printf %s "$PASSWORD" | gnome-keyring-daemon --unlock --components=secrets`)' +
        `${otherWay ? `, ${otherWay}` : ''}.`,
      { dbusName: error.dbusName, cause: error },
    );
  }
}

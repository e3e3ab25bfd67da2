/** Searching items by any attributes, the way `secret-tool search` does, for tools that list or inspect them. */
import { openBackend } from '../backend/choose.js';
import { wipe } from '../crypto/bytes.js';
import type { KeyringFile } from '../keyring-file/keyring-file.js';
import { Item } from '../item.js';
import { getSecrets, searchItemPaths } from '../service.js';
import { checkAttributes } from '../validate.js';
import { unlockForUse } from '../unlock-for-use.js';
import { collectionOf } from './lookup.js';
import { checkFileCollection, fileItemPath } from './file-passwords.js';
import { checkOptions, runOperation, type KeyringOptions } from './operation.js';
import { readScope } from './target.js';
import { decodeUtf8 } from '../utf8.js';

export interface SearchOptions extends Omit<KeyringOptions, 'profile'> {
  /** Also read the secrets of the items that are unlocked (or that `unlock` unlocked). */
  withSecrets?: boolean;
  /** Unlock the collections of locked items first (may show the service's prompt). */
  unlock?: boolean;
}

export interface FoundItem {
  path: string;
  collection: string;
  label: string;
  attributes: Record<string, string>;
  locked: boolean;
  /** Unix seconds. */
  created: number;
  modified: number;
  /** The secret, when asked for and readable: `text` if it is UTF-8, else `base64`. */
  secret?: { text: string } | { base64: string };
}

function encodeSecret(secret: Buffer): { text: string } | { base64: string } {
  try {
    const text = decodeUtf8(secret, true); // a leading BOM is part of the secret, as for Python keyring
    return text === undefined ? { base64: secret.toString('base64') } : { text };
  } finally {
    secret.fill(0);
  }
}

/** The search over a keyring file: one collection (the file), nothing locked. */
async function searchFile(
  file: KeyringFile,
  query: Record<string, string>,
  withSecrets: boolean | undefined,
): Promise<FoundItem[]> {
  const items = await file.searchItems(query);
  return items
    .map((item): FoundItem => {
      const found: FoundItem = {
        path: fileItemPath(file.path, item),
        collection: file.path,
        label: item.label,
        attributes: item.attributes,
        locked: false,
        created: item.created,
        modified: item.modified,
      };
      if (withSecrets) found.secret = encodeSecret(Buffer.from(item.secret));
      wipe(item.secret);
      return found;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Items whose attributes include all of `attributes` (in every collection, or `collection`), sorted by path.
 * @throws LockedException or TimeoutException when `unlock` was asked and the prompt failed; NoBackendError;
 *   InvalidArgumentError.
 */
export async function searchItemDetails(
  attributes: Record<string, string>,
  options: SearchOptions = {},
): Promise<FoundItem[]> {
  const query = checkAttributes(attributes);
  checkOptions(options);
  const backend = await openBackend(options);
  if (backend.kind === 'file') {
    checkFileCollection(options.collection, backend.file.path);
    return searchFile(backend.file, query, options.withSecrets);
  }
  return runOperation(options, 'search', async (context) => {
    const { connection } = context;
    const scope = await readScope(connection, options.collection);
    const found = await searchItemPaths(connection, query);
    const inScope = (path: string) => scope === undefined || collectionOf(path) === scope;
    const lockedPaths = new Set(found.locked.filter(inScope));
    const paths = [...found.unlocked.filter(inScope), ...lockedPaths].sort();
    if (options.unlock && lockedPaths.size > 0) {
      await unlockForUse(
        connection,
        [...lockedPaths].map(collectionOf),
        'Reading the secrets of the items found',
        context.prompt,
      );
      lockedPaths.clear();
      context.checkpoint();
    }
    const items = await Promise.all(
      paths.map(async (path): Promise<FoundItem> => {
        const item = new Item(connection, path);
        const [label, itemAttributes, created, modified] = await Promise.all([
          item.getLabel(),
          item.getAttributes(),
          item.getCreated(),
          item.getModified(),
        ]);
        return {
          path,
          collection: collectionOf(path),
          label,
          attributes: itemAttributes,
          locked: lockedPaths.has(path),
          created,
          modified,
        };
      }),
    );
    if (options.withSecrets) {
      const readable = items.filter((item) => !item.locked);
      const secrets = await getSecrets(
        connection,
        readable.map((item) => item.path),
      );
      for (const item of readable) {
        const secret = secrets.get(item.path);
        if (secret) item.secret = encodeSecret(secret);
      }
    }
    return items;
  });
}

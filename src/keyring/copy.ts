/**
 * Moving secrets between the Secret Service and a keyring file, both ways: every item (or those with some
 * attributes), with its label, attributes, content type and secret. An item the target already has with exactly
 * the same attributes is replaced (libsecret's rule for `replace`), so copying twice leaves one copy.
 */
import { openBackend, type BackendOptions } from '../backend/choose.js';
import { wipe } from '../crypto/bytes.js';
import { InvalidArgumentError } from '../errors.js';
import { Item } from '../item.js';
import { nodeFs } from '../node-fs.js';
import type { KeyringFile } from '../keyring-file/keyring-file.js';
import { searchItemPaths } from '../service.js';
import { unlockForUse } from '../unlock-for-use.js';
import { checkAttributes, contentTypeFor } from '../validate.js';
import { collectionOf } from './lookup.js';
import { GENERIC_SCHEMA, XDG_SCHEMA } from './profiles.js';
import { runOperation, type KeyringOptions } from './operation.js';
import { readScope, writeTarget } from './target.js';

export type CopyDirection = 'to-file' | 'from-file';

export interface CopyOptions
  extends Omit<KeyringOptions, 'profile' | 'backend'>, Pick<BackendOptions, 'filePath' | 'filePassword'> {
  /** Copy only the items having all of these attributes (default: every item). */
  attributes?: Record<string, string>;
}

export interface CopyResult {
  /** The keyring file copied to or from. */
  file: string;
  /** Items created in the target. */
  created: number;
  /** Items of the target with the same attributes that were replaced. */
  replaced: number;
}

function sameAttributes(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && b[key] === a[key]);
}

function withoutAddedSchema(stored: Record<string, string>, given: Record<string, string>): Record<string, string> {
  if (XDG_SCHEMA in given || stored[XDG_SCHEMA] !== GENERIC_SCHEMA) return stored;
  const { [XDG_SCHEMA]: _added, ...rest } = stored;
  return rest;
}

async function fileOf(options: CopyOptions): Promise<KeyringFile> {
  const backend = await openBackend({ ...options, backend: 'file' });
  if (backend.kind !== 'file') throw new Error('Internal error: the file backend was asked for.');
  return backend.file;
}

/**
 * Copies items from the Secret Service (every collection, or `collection`) to the keyring file (`to-file`), or from
 * the keyring file to the Secret Service's `collection` (default: the default collection) (`from-file`).
 * @throws InvalidArgumentError (no file password, bad attributes); the Secret Service's errors (NoBackendError,
 *   LockedException, …); the keyring file's (KeyringFileKeyError, …). Items copied before an error stay copied.
 */
export async function copySecrets(direction: CopyDirection, options: CopyOptions = {}): Promise<CopyResult> {
  if (direction !== 'to-file' && direction !== 'from-file') {
    throw new InvalidArgumentError('direction', `expected "to-file" or "from-file", got ${JSON.stringify(direction)}.`);
  }
  const query = checkAttributes(options.attributes ?? {});
  const file = await fileOf(options);
  const serviceOptions = { ...options, backend: 'secret-service' as const };
  if (direction === 'from-file') {
    // A path that names no file is a mistake, not an empty keyring: "copied 0 items" would hide it.
    if (
      !(await nodeFs()
        .promises.stat(file.path)
        .then(
          () => true,
          () => false,
        ))
    ) {
      throw new InvalidArgumentError('filePath', `there is no keyring file at ${file.path}; nothing was copied.`);
    }
    const items = await file.searchItems(query);
    try {
      return await runOperation(serviceOptions, 'copy', async ({ connection, prompt, checkpoint }) => {
        const target = await writeTarget(connection, options.collection, prompt);
        await unlockForUse(connection, [await target.getPath()], 'Copying secrets from a keyring file', prompt);
        const result: CopyResult = { file: file.path, created: 0, replaced: 0 };
        for (const item of items) {
          checkpoint();
          const found = await target.searchItems(item.attributes);
          const attributes = await Promise.all(found.map((candidate) => candidate.getAttributes()));
          // gnome-keyring adds libsecret's generic schema to items stored without one.
          const same = found.find((_, i) =>
            sameAttributes(withoutAddedSchema(attributes[i], item.attributes), item.attributes),
          );
          const contentType = contentTypeFor(item.secret, item.contentType);
          if (same) {
            // That very item, changed in place. CreateItem's `replace` would not do: gnome-keyring replaces any item
            // whose attributes include these, another application's item with one attribute more among them.
            await same.setSecret(item.secret, contentType);
            await same.setLabel(item.label);
            result.replaced++;
          } else {
            await target.createItem(item.label, item.attributes, item.secret, { contentType, ...prompt });
            result.created++;
          }
        }
        return result;
      });
    } finally {
      for (const item of items) wipe(item.secret);
    }
  }
  return runOperation(serviceOptions, 'copy', async ({ connection, prompt, checkpoint }) => {
    const scope = await readScope(connection, options.collection);
    const found = await searchItemPaths(connection, query);
    const inScope = (path: string) => scope === undefined || collectionOf(path) === scope;
    const paths = [...found.unlocked, ...found.locked].filter(inScope).sort();
    const locked = found.locked.filter(inScope).map(collectionOf);
    if (locked.length > 0) await unlockForUse(connection, locked, 'Copying secrets to a keyring file', prompt);
    checkpoint();
    const items = await Promise.all(
      paths.map(async (path) => {
        const item = new Item(connection, path);
        const [label, attributes, { value, contentType }] = await Promise.all([
          item.getLabel(),
          item.getAttributes(),
          item.getSecretAndContentType(),
        ]);
        return { label, attributes, secret: value, contentType: contentTypeFor(value, contentType) };
      }),
    );
    try {
      return await file.transaction((draft) => {
        const result: CopyResult = { file: file.path, created: 0, replaced: 0 };
        // Only what the file held before: two items of the service with the same attributes (in two collections)
        // are both copied, the second not taken for a copy of the first made a moment ago.
        const copied = new Set<string>();
        for (const item of items) {
          const same = draft.search(item.attributes).filter((existing) => {
            wipe(existing.secret);
            return !copied.has(existing.id) && sameAttributes(existing.attributes, item.attributes);
          });
          for (const existing of same) draft.remove(existing.id);
          copied.add(draft.create(item));
          if (same.length > 0) result.replaced++;
          else result.created++;
        }
        return result;
      });
    } finally {
      for (const item of items) wipe(item.secret);
    }
  });
}

/**
 * How user secrets are kept in the Secret Service: one item per secret in the default collection, with attributes
 * naming this tool's schema, the project id and the key, and a label `KEY (project)`, so that `secret-tool search`
 * and Seahorse show them sensibly. Nothing secret goes into attributes or labels (the service keeps those in clear).
 */
import type { Connection } from '../connection.js';
import { LockedException } from '../errors.js';
import { Item } from '../item.js';
import type { PromptOptions } from '../prompt.js';
import { Collection } from '../collection.js';
import { createDefaultCollection } from '../keyring/target.js';
import { defaultCollectionPath, getSecrets, searchItemPaths } from '../service.js';
import { unlockForUse } from '../unlock-for-use.js';
import { SecretsFormatError } from './errors.js';
import type { SecretsStore } from './secrets-store.js';
import { decodeUtf8 } from '../utf8.js';

/**
 * A secret's text. Bytes that are not UTF-8 (written by another tool) are refused rather than read with U+FFFD in
 * their place, which an export or a run would then pass on as if it were the value.
 * @throws SecretsFormatError naming the key and the item.
 */
export function decodeValue(bytes: Buffer, key: string, itemPath: string): string {
  const text = decodeUtf8(bytes, true); // a leading BOM is part of the value
  if (text !== undefined) return text;
  throw new SecretsFormatError(
    `The secret ${key} (${itemPath}) holds bytes that are not UTF-8 text, so it cannot be an environment ` +
      "variable's value; it was written by another tool. Replace it with `user-secrets set " +
      `${key}\`, or read its bytes with \`secretstorage search --attr key=${key} --show-secrets --json\`.`,
  );
}

/** The `xdg:schema` of user-secret items (libsecret and Seahorse group items by it). */
export const USER_SECRETS_SCHEMA = 'io.github.secretstorage.UserSecrets';
/** The `application` attribute, as python keyring and libsecret tools set one. */
export const USER_SECRETS_APPLICATION = 'secretstorage user-secrets';
/** Attribute holding the project id. */
export const PROJECT_ID_ATTRIBUTE = 'user-secrets-id';
/** Attribute holding the key. */
export const KEY_ATTRIBUTE = 'key';

/** The attributes every item of a project has. */
export function projectAttributes(projectId: string): Record<string, string> {
  return {
    'xdg:schema': USER_SECRETS_SCHEMA,
    application: USER_SECRETS_APPLICATION,
    [PROJECT_ID_ATTRIBUTE]: projectId,
  };
}

/** The attributes of the item holding one secret. */
export function secretAttributes(projectId: string, key: string): Record<string, string> {
  return { ...projectAttributes(projectId), [KEY_ATTRIBUTE]: key };
}

/** The item label: the key and the project's folder name (or a short id when there is no folder). */
export function secretLabel(key: string, projectName: string | undefined, projectId: string): string {
  return `${key} (${projectName || `user secrets ${projectId.slice(0, 8)}`})`;
}

export interface KeyringStoreOptions {
  /** The project's folder name, for labels. */
  projectName?: string;
  /** Deadline and abort signal for unlock prompts. */
  prompt?: PromptOptions;
}

/** The secrets of one project in the Secret Service. Every method is a live call; nothing is cached. */
export class KeyringStore implements SecretsStore {
  constructor(
    readonly connection: Connection,
    readonly projectId: string,
    private readonly options: KeyringStoreOptions = {},
  ) {}

  /** Unlocks `paths` for `what`, or fails with an error that says why, how to unlock, and what was left as it was. */
  private unlock(paths: string[], what: string, afterwards = 'Nothing was changed.'): Promise<void> {
    return unlockForUse(this.connection, paths, what, this.options.prompt, afterwards);
  }

  /** Item paths per key (all matches, unlocked first), optionally for one key only. Works while locked. */
  private async find(key?: string): Promise<{ byKey: Map<string, string[]>; locked: string[] }> {
    const attributes = key === undefined ? projectAttributes(this.projectId) : secretAttributes(this.projectId, key);
    const { unlocked, locked } = await searchItemPaths(this.connection, attributes);
    const paths = [...unlocked, ...locked];
    const keys = await Promise.all(
      paths.map(async (path) => (await new Item(this.connection, path).getAttributes())[KEY_ATTRIBUTE]),
    );
    const byKey = new Map<string, string[]>();
    paths.forEach((path, index) => {
      const found = keys[index];
      if (found === undefined) return;
      byKey.set(found, [...(byKey.get(found) ?? []), path]);
    });
    return { byKey, locked };
  }

  /** The keys stored for the project, sorted. Reads attributes only, so it needs no unlock. */
  async keys(): Promise<string[]> {
    return [...(await this.find()).byKey.keys()].sort();
  }

  /**
   * Every secret of the project (unlocking with a prompt if needed), keys sorted. Where several items hold the same
   * key (copies in other collections), the one the service lists first wins.
   * @throws LockedException when the keyring stays locked.
   */
  async readAll(key?: string): Promise<Map<string, string>> {
    const { byKey, locked } = await this.find(key);
    await this.unlock(locked, key === undefined ? 'Reading the user secrets' : `Reading the user secret ${key}`);
    const chosen = new Map([...byKey].map(([found, paths]) => [found, paths[0]]));
    const secrets = await getSecrets(this.connection, [...chosen.values()]);
    const result = new Map<string, string>();
    try {
      for (const [found, path] of [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const bytes = secrets.get(path);
        if (!bytes)
          throw new LockedException(
            `The item holding ${found} is still locked after unlocking; unlock it and try again.`,
          );
        result.set(found, decodeValue(bytes, found, path));
      }
    } finally {
      for (const bytes of secrets.values()) bytes.fill(0);
    }
    return result;
  }

  /** One secret, or undefined. */
  async read(key: string): Promise<string | undefined> {
    return (await this.readAll(key)).get(key);
  }

  /**
   * Stores one secret in the default collection, replacing the item that held the key; copies of it in other
   * collections are removed so the key has one value.
   * @throws LockedException when the collection stays locked.
   */
  async write(key: string, value: string): Promise<void> {
    const existing = await defaultCollectionPath(this.connection);
    const collection = existing
      ? new Collection(this.connection, existing)
      : await createDefaultCollection(this.connection, this.options.prompt ?? {});
    if (await collection.isLocked()) await this.unlock([await collection.getPath()], `Storing the user secret ${key}`);
    const attributes = secretAttributes(this.projectId, key);
    const item = await collection.createItem(
      secretLabel(key, this.options.projectName, this.projectId),
      attributes,
      value,
      {
        ...this.options.prompt,
        replace: true,
      },
    );
    const { byKey, locked } = await this.find(key);
    const copies = (byKey.get(key) ?? []).filter((path) => path !== item.itemPath);
    await this.unlock(
      copies.filter((path) => locked.includes(path)),
      `Removing the other copies of the user secret ${key}`,
      'The new value was stored; the other copies were left as they were.',
    );
    for (const path of copies) await new Item(this.connection, path).delete(this.options.prompt);
  }

  /** Deletes the key's item(s); false when there was none. */
  async remove(key: string): Promise<boolean> {
    const paths = (await this.find(key)).byKey.get(key) ?? [];
    await this.removePaths(paths);
    return paths.length > 0;
  }

  /** Deletes every secret of the project; returns how many keys there were. */
  async removeAll(): Promise<number> {
    const { byKey } = await this.find();
    await this.removePaths([...byKey.values()].flat());
    return byKey.size;
  }

  private async removePaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const { locked } = await searchItemPaths(this.connection, projectAttributes(this.projectId));
    await this.unlock(
      paths.filter((path) => locked.includes(path)),
      'Deleting user secrets',
    );
    for (const path of paths) await new Item(this.connection, path).delete(this.options.prompt);
  }

  /** The object path of the collection new secrets go to, or undefined while there is no default collection. */
  collectionPath(): Promise<string | undefined> {
    return defaultCollectionPath(this.connection);
  }
}

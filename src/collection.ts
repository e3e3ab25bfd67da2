/**
 * A collection (keyring) in the Secret Service. A Collection made from an alias (`getDefaultCollection`) resolves the
 * alias with `ReadAlias` on first use, because servers disagree on alias object paths.
 */
import type { Connection } from './connection.js';
import { variant } from './dbus/codec.js';
import { ALIAS_PREFIX, COLLECTION_IFACE, NO_OBJECT, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { ItemNotFoundException, LockedException, ProtocolError } from './errors.js';
import { Item, itemProperties } from './item.js';
import { unlockWithPassword } from './gnome-internal.js';
import { deleteObject, lockObjects, unlockObjects } from './prompted-calls.js';
import { runPrompt, type PromptOptions } from './prompt.js';
import type { SecretStruct } from './session.js';
import {
  assertLabel,
  assertObjectPath,
  assertTextIsUtf8,
  checkAttributes,
  checkContentType,
  checkPromptOptions,
  secretToBytes,
} from './validate.js';

export interface CreateItemOptions extends PromptOptions {
  /**
   * Let the service replace an existing item instead of adding another (the spec's `replace`). Which item it replaces
   * is the service's rule: gnome-keyring and KWallet update the first item whose attributes *include* all of the given
   * ones, keeping its path; oo7 deletes items with exactly these attributes and creates a new path.
   */
  replace?: boolean;
  /** Default: `text/plain` for a string secret, `application/octet-stream` for bytes. */
  contentType?: string;
}

export interface UnlockOptions extends PromptOptions {
  /**
   * Unlock with this password instead of a prompt, through gnome-keyring's internal interface (gnome-keyring and
   * oo7-daemon only): the way to unlock on a machine with no desktop.
   */
  password?: string | Uint8Array;
}

export interface AliasCollectionOptions extends PromptOptions {
  /** Create the collection (with a prompt) when the alias points nowhere, labelled this. */
  createWithLabel?: string;
}

/**
 * Creates a collection through `Service.CreateCollection`, running its prompt (gnome-keyring always prompts).
 * @throws PromptDismissedException, TimeoutException.
 */
export async function createCollectionPath(
  connection: Connection,
  label: string,
  alias: string,
  options: PromptOptions = {},
): Promise<string> {
  checkPromptOptions(options);
  if (options.signal?.aborted) throw options.signal.reason; // aborted before it started: nothing is created
  const [path, prompt] = (await connection.call(
    SERVICE_PATH,
    SERVICE_IFACE,
    'CreateCollection',
    'a{sv}s',
    [{ [`${COLLECTION_IFACE}.Label`]: variant('s', label) }, alias],
    { replySignature: 'oo' },
  )) as [string, string];
  if (path !== NO_OBJECT) return path;
  const { value } = await runPrompt(connection, prompt, `CreateCollection "${label}"`, 'o', options);
  return createdPath(value as string, `CreateCollection "${label}"`);
}

/** The object a creation's prompt completed with: `/` there means nothing was created. */
function createdPath(path: string, what: string): string {
  if (path === NO_OBJECT) {
    throw new ProtocolError(`${what}: the prompt completed without the object it created (the path "/").`);
  }
  return path;
}

export class Collection {
  private resolvedPath?: string;
  private resolving?: Promise<string>;

  /**
   * Refers to the collection at `collectionPath` (default: the `default` alias). Nothing is sent to the bus here.
   * @throws InvalidArgumentError when `collectionPath` is not an object path.
   */
  constructor(
    readonly connection: Connection,
    collectionPath: string = `${ALIAS_PREFIX}default`,
    private readonly aliasOptions: AliasCollectionOptions = {},
  ) {
    assertObjectPath('collectionPath', collectionPath);
    if (collectionPath.startsWith(ALIAS_PREFIX)) {
      this.alias = collectionPath.slice(ALIAS_PREFIX.length);
    } else {
      this.resolvedPath = collectionPath;
    }
  }

  /** The alias this collection was made from, if any. */
  readonly alias?: string;

  /** The collection's object path: the real one once an alias has been resolved, the alias path before. */
  get collectionPath(): string {
    return this.resolvedPath ?? `${ALIAS_PREFIX}${this.alias}`;
  }

  /**
   * The real object path, resolving the alias on first use.
   * @throws ItemNotFoundException when the alias points to no collection (and creation was not asked for).
   */
  async getPath(): Promise<string> {
    if (this.resolvedPath) return this.resolvedPath;
    this.resolving ??= this.resolveAlias().finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  private async resolveAlias(): Promise<string> {
    const alias = this.alias!;
    const [path] = (await this.connection.call(SERVICE_PATH, SERVICE_IFACE, 'ReadAlias', 's', [alias], {
      replySignature: 'o',
    })) as [string];
    if (path !== NO_OBJECT) return (this.resolvedPath = path);
    const label = this.aliasOptions.createWithLabel;
    if (label === undefined) {
      throw new ItemNotFoundException(`No collection has the alias "${alias}".`);
    }
    return (this.resolvedPath = await createCollectionPath(this.connection, label, alias, this.aliasOptions));
  }

  async isLocked(): Promise<boolean> {
    return (await this.connection.getProperty(await this.getPath(), COLLECTION_IFACE, 'Locked', 'b')) as boolean;
  }

  /** @throws LockedException if the collection is locked. */
  async ensureNotLocked(): Promise<void> {
    if (await this.isLocked())
      throw new LockedException(`Collection ${this.collectionPath} is locked; call unlock() first.`);
  }

  /**
   * Unlocks the collection, showing the service's prompt if it needs one, or with `password` where the service
   * supports that.
   * @throws PromptDismissedException, TimeoutException (the prompt was then dismissed), LockedException,
   *   SecretStorageError when a password is given but the service cannot take one or refuses it.
   */
  async unlock(options: UnlockOptions = {}): Promise<void> {
    const path = await this.getPath();
    if (options.password !== undefined) await unlockWithPassword(this.connection, path, options.password);
    else await unlockObjects(this.connection, [path], options);
  }

  /** Locks the collection, running the prompt some services return for it. */
  async lock(options: PromptOptions = {}): Promise<void> {
    await lockObjects(this.connection, [await this.getPath()], options);
  }

  /** Deletes the collection and every item in it, running the service's prompt if it returns one. */
  async delete(options: PromptOptions = {}): Promise<void> {
    await deleteObject(this.connection, await this.getPath(), COLLECTION_IFACE, options);
  }

  async getAllItems(): Promise<Item[]> {
    const paths = (await this.connection.getProperty(
      await this.getPath(),
      COLLECTION_IFACE,
      'Items',
      'ao',
    )) as string[];
    return paths.map((path) => new Item(this.connection, path));
  }

  /** Items of this collection whose attributes include all of `attributes`. */
  async searchItems(attributes: Record<string, string>): Promise<Item[]> {
    const clean = checkAttributes(attributes);
    const [paths] = (await this.connection.call(
      await this.getPath(),
      COLLECTION_IFACE,
      'SearchItems',
      'a{ss}',
      [clean],
      {
        replySignature: 'ao',
      },
    )) as [string[]];
    return paths.map((path) => new Item(this.connection, path));
  }

  async getLabel(): Promise<string> {
    return (await this.connection.getProperty(await this.getPath(), COLLECTION_IFACE, 'Label', 's')) as string;
  }

  async setLabel(label: string): Promise<void> {
    assertLabel(label);
    await this.connection.setProperty(await this.getPath(), COLLECTION_IFACE, 'Label', 's', label);
  }

  /**
   * Stores a secret as a new item (or, with `replace`, over the item whose attributes match). Runs the prompt some
   * services return (KeePassXC).
   * @throws LockedException if the collection is locked, PromptDismissedException, InvalidArgumentError.
   */
  async createItem(
    label: string,
    attributes: Record<string, string>,
    secret: string | Uint8Array,
    options: CreateItemOptions = {},
  ): Promise<Item> {
    assertLabel(label);
    const clean = checkAttributes(attributes);
    checkPromptOptions(options);
    const { bytes, defaultContentType } = secretToBytes(secret);
    const contentType = checkContentType(options.contentType) ?? defaultContentType;
    assertTextIsUtf8(bytes, contentType);
    if (options.signal?.aborted) throw options.signal.reason; // aborted before it started: nothing is created
    const path = await this.getPath();
    try {
      const [itemPath, prompt] = await this.connection.withSession(async (session) => {
        const struct: SecretStruct = session.encode(bytes, contentType);
        try {
          return (await this.connection.call(
            path,
            COLLECTION_IFACE,
            'CreateItem',
            'a{sv}(oayays)b',
            [itemProperties(label, clean), struct, options.replace ?? false],
            { replySignature: 'oo' },
          )) as [string, string];
        } finally {
          if (!session.encrypted) struct[2].fill(0);
        }
      });
      if (itemPath !== NO_OBJECT) return new Item(this.connection, itemPath);
      const { value } = await runPrompt(this.connection, prompt, `CreateItem "${label}"`, 'o', options);
      return new Item(this.connection, createdPath(value as string, `CreateItem "${label}"`));
    } finally {
      if (typeof secret === 'string') bytes.fill(0);
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Collection { collectionPath: '${this.collectionPath}' }`;
  }

  toJSON(): object {
    return { collectionPath: this.collectionPath };
  }
}

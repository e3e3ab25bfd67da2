/** An item in the Secret Service: a secret with a label and attributes. Every method is a live call; nothing is cached. */
import type { Connection } from './connection.js';
import { variant } from './dbus/codec.js';
import { ITEM_IFACE } from './defines.js';
import { LockedException } from './errors.js';
import { lockedInsteadOfMissing } from './locked-item.js';
import { deleteObject, lockObjects, unlockObjects } from './prompted-calls.js';
import type { PromptOptions } from './prompt.js';
import type { SecretStruct } from './session.js';
import {
  assertLabel,
  assertObjectPath,
  assertTextIsUtf8,
  checkAttributes,
  checkContentType,
  secretToBytes,
} from './validate.js';

export class Item {
  /** The item's D-Bus object path. */
  readonly itemPath: string;

  /**
   * Refers to the item at `itemPath`. Nothing is sent to the bus: a missing item shows up as ItemNotFoundException
   * on first use.
   * @throws InvalidArgumentError when `itemPath` is not an object path.
   */
  constructor(
    readonly connection: Connection,
    itemPath: string,
  ) {
    assertObjectPath('itemPath', itemPath);
    this.itemPath = itemPath;
  }

  /** True if both refer to the same item. */
  equals(other: Item): boolean {
    return other instanceof Item && other.itemPath === this.itemPath;
  }

  /** Whether the item is locked. */
  async isLocked(): Promise<boolean> {
    return (await this.connection.getProperty(this.itemPath, ITEM_IFACE, 'Locked', 'b')) as boolean;
  }

  /** @throws LockedException if the item is locked. */
  async ensureNotLocked(): Promise<void> {
    if (await this.isLocked()) throw new LockedException(`Item ${this.itemPath} is locked; call unlock() first.`);
  }

  /**
   * Unlocks the item (and, on most services, its collection), showing a prompt if the service needs one.
   * @throws PromptDismissedException, TimeoutException (the prompt was dismissed), LockedException.
   */
  async unlock(options: PromptOptions = {}): Promise<void> {
    await unlockObjects(this.connection, [this.itemPath], options);
  }

  /** Locks the item (KeePassXC locks its whole database). */
  async lock(options: PromptOptions = {}): Promise<void> {
    await lockObjects(this.connection, [this.itemPath], options);
  }

  async getAttributes(): Promise<Record<string, string>> {
    return {
      ...((await this.connection.getProperty(this.itemPath, ITEM_IFACE, 'Attributes', 'a{ss}')) as Record<
        string,
        string
      >),
    };
  }

  /** Replaces all of the item's attributes (KeePassXC adds to them instead, and never removes one: docs/servers.md). */
  async setAttributes(attributes: Record<string, string>): Promise<void> {
    const clean = checkAttributes(attributes);
    await this.connection.setProperty(this.itemPath, ITEM_IFACE, 'Attributes', 'a{ss}', clean);
  }

  async getLabel(): Promise<string> {
    return (await this.connection.getProperty(this.itemPath, ITEM_IFACE, 'Label', 's')) as string;
  }

  async setLabel(label: string): Promise<void> {
    assertLabel(label);
    await this.connection.setProperty(this.itemPath, ITEM_IFACE, 'Label', 's', label);
  }

  /** Deletes the item, running the service's prompt if it returns one. */
  async delete(options: PromptOptions = {}): Promise<void> {
    await deleteObject(this.connection, this.itemPath, ITEM_IFACE, options);
  }

  /**
   * The secret, as a Buffer the caller owns (wipe it with `fill(0)` when done).
   * @throws LockedException if the item is locked, ItemNotFoundException if it no longer exists.
   */
  async getSecret(): Promise<Buffer> {
    return (await this.getSecretAndContentType()).value;
  }

  /** The content type the service reports for the secret (gnome-keyring always says `text/plain`). */
  async getSecretContentType(): Promise<string> {
    const { value, contentType } = await this.getSecretAndContentType();
    value.fill(0);
    return contentType;
  }

  /** The secret and its content type, in one call. */
  async getSecretAndContentType(): Promise<{ value: Buffer; contentType: string }> {
    try {
      return await this.connection.withSession(async (session) => {
        // Through Service.GetSecrets, merged with the other reads in flight on this connection (see secret-reads.ts).
        const struct = await this.connection.secretReads.read(this.itemPath, session.path);
        return session.decode(struct, `Reading the secret of ${this.itemPath}`);
      });
    } catch (error) {
      throw await lockedInsteadOfMissing(this.connection, this.itemPath, error);
    }
  }

  /**
   * Replaces the secret. Content type: `contentType`, else `text/plain` for strings and `application/octet-stream`
   * for bytes.
   */
  async setSecret(secret: string | Uint8Array, contentType?: string): Promise<void> {
    const { bytes, defaultContentType } = secretToBytes(secret);
    const type = checkContentType(contentType) ?? defaultContentType;
    assertTextIsUtf8(bytes, type);
    try {
      await this.connection.withSession(async (session) => {
        const struct: SecretStruct = session.encode(bytes, type);
        try {
          await this.connection.call(this.itemPath, ITEM_IFACE, 'SetSecret', '(oayays)', [struct], {
            replySignature: '',
          });
        } catch (error) {
          throw await lockedInsteadOfMissing(this.connection, this.itemPath, error);
        } finally {
          if (!session.encrypted) struct[2].fill(0);
        }
      });
    } finally {
      if (typeof secret === 'string') bytes.fill(0);
    }
  }

  /** When the item was created, in Unix seconds. */
  async getCreated(): Promise<number> {
    return Number(await this.connection.getProperty(this.itemPath, ITEM_IFACE, 'Created', 't'));
  }

  /** When the item was last modified, in Unix seconds. */
  async getModified(): Promise<number> {
    return Number(await this.connection.getProperty(this.itemPath, ITEM_IFACE, 'Modified', 't'));
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Item { itemPath: '${this.itemPath}' }`;
  }

  toJSON(): object {
    return { itemPath: this.itemPath };
  }
}

/** The properties dict of a new item, as CreateItem takes it. */
export function itemProperties(label: string, attributes: Record<string, string>): Record<string, unknown> {
  return {
    [`${ITEM_IFACE}.Label`]: variant('s', label),
    [`${ITEM_IFACE}.Attributes`]: variant('a{ss}', attributes),
  };
}

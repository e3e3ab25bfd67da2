/**
 * The changes one transaction of a keyring file makes: a copy of the file's items that the transaction's function
 * searches and changes through a {@link KeyringFileDraft}, valid only while that function runs.
 */
import { wipe } from '../crypto/bytes.js';
import type { EncryptedItem } from '../keyring-file-format/file-layout.js';
import { CONTENT_TYPE_ATTRIBUTE, encryptItem } from '../keyring-file-format/item-crypto.js';

/** libsecret's content type for every secret of a keyring file without `xdg:content-type`. */
export const IMPLIED_CONTENT_TYPE = 'text/plain';

/** An item in clear, as the facades use it. */
export interface StoredItem {
  /** Identifies the item within one transaction or one read (its MAC, which changes when it is rewritten). */
  id: string;
  /** The attributes, without `xdg:content-type`, which is `contentType`. */
  attributes: Record<string, string>;
  contentType: string;
  label: string;
  /** Unix seconds. */
  created: number;
  modified: number;
  /** The secret's bytes; wipe them when done. */
  secret: Uint8Array;
}

/** What a new item is made of. */
export interface NewItem {
  attributes: Record<string, string>;
  label: string;
  secret: Uint8Array;
  contentType?: string;
  /** Unix seconds (default: now); `modified` is always now. */
  created?: number;
}

/** The changes a transaction may make; they are written when the transaction's function returns. */
export interface KeyringFileDraft {
  /** The items having all of `attributes`, decrypted. @throws KeyringFileIntegrityError for a damaged match. */
  search(attributes: Record<string, string>): StoredItem[];
  /** Adds an item; returns its id. */
  create(item: NewItem): string;
  /** Changes the secret (and content type) of the item `id`, keeping its attributes, label and creation time. */
  setSecret(id: string, secret: Uint8Array, contentType?: string): void;
  remove(id: string): void;
}

/** The id of an encrypted item: the hex of its MAC. */
export function itemId(blob: Uint8Array): string {
  return Buffer.from(blob.subarray(blob.length - 32)).toString('hex');
}

/** Unix seconds now. */
export function now(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/** An open draft: its items (changed in place), whether anything changed, and its end. */
export interface OpenDraft {
  draft: KeyringFileDraft;
  items: EncryptedItem[];
  readonly changed: boolean;
  /** Makes every later use of the draft throw: it belongs to one run of the transaction's function. */
  end(): void;
}

/**
 * A draft over a copy of `items`, encrypting with `key`; `decrypt` and `search` read the draft's items as they are.
 */
export function openDraft(
  items: readonly EncryptedItem[],
  key: Uint8Array,
  reads: {
    decrypt(items: EncryptedItem[], index: number): StoredItem;
    search(items: EncryptedItem[], attributes: Record<string, string>): StoredItem[];
  },
): OpenDraft {
  const copy = [...items];
  let changed = false;
  let ended = false;
  const usable = () => {
    if (ended) {
      throw new Error(
        'This keyring file draft was used after its transaction ended: a transaction function must make its ' +
          'changes before it returns (it cannot await).',
      );
    }
  };
  const indexOf = (id: string) => {
    const index = copy.findIndex((item) => itemId(item.blob) === id);
    if (index < 0) throw new Error(`Internal error: no item ${id} in this transaction.`);
    return index;
  };
  const encrypt = (stored: Omit<StoredItem, 'id'>) =>
    encryptItem(key, {
      attributes:
        stored.contentType === IMPLIED_CONTENT_TYPE
          ? stored.attributes
          : { ...stored.attributes, [CONTENT_TYPE_ATTRIBUTE]: stored.contentType },
      label: stored.label,
      created: BigInt(stored.created),
      modified: BigInt(stored.modified),
      secret: stored.secret,
    });
  const draft: KeyringFileDraft = {
    search: (attributes) => {
      usable();
      return reads.search(copy, attributes);
    },
    create: (item) => {
      usable();
      const time = Number(now());
      const encrypted = encrypt({
        attributes: item.attributes,
        contentType: item.contentType ?? IMPLIED_CONTENT_TYPE,
        label: item.label,
        created: item.created ?? time,
        modified: time,
        secret: item.secret,
      });
      copy.push(encrypted);
      changed = true;
      return itemId(encrypted.blob);
    },
    setSecret: (id, secret, contentType) => {
      usable();
      const index = indexOf(id);
      const current = reads.decrypt(copy, index);
      copy[index] = encrypt({
        ...current,
        contentType: contentType ?? current.contentType,
        modified: Number(now()),
        secret,
      });
      wipe(current.secret);
      changed = true;
    },
    remove: (id) => {
      usable();
      copy.splice(indexOf(id), 1);
      changed = true;
    },
  };
  return {
    draft,
    items: copy,
    get changed() {
      return changed;
    },
    end: () => {
      ended = true;
    },
  };
}

/**
 * A keyring file as a store of items, shared with libsecret's and oo7's file backends: searched without decrypting
 * (attribute MACs), items decrypted only when found. Every read looks at the file again (another process may have
 * written it) and parses it only when it changed; every change is a transaction: under a lock beside the file, the
 * file is read again (and parsed again unless its bytes are those last read or written), changed, and
 * written whole to a temporary file that is flushed and renamed over it, so a crash leaves the old file and two
 * processes of this library writing at once both keep their changes. Items this library cannot open (damaged, or
 * written under another key) are carried over untouched.
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { wipe } from '../crypto/bytes.js';
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { KeyringFileError, KeyringFileIntegrityError, KeyringFileKeyError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { withFileLock } from '../fs/file-lock.js';
import {
  parseKeyringFile,
  serializeKeyringFile,
  type KeyringFileContents,
} from '../keyring-file-format/file-layout.js';
import {
  CONTENT_TYPE_ATTRIBUTE,
  decryptItem,
  DEFAULT_ITERATION_COUNT,
  deriveFileKey,
  encryptItem,
  hashQuery,
  ItemDecryptError,
  itemMatchesQuery,
  itemVerifies,
  SALT_BYTES,
} from '../keyring-file-format/item-crypto.js';

/** libsecret's content type for every secret of a keyring file without `xdg:content-type`. */
const IMPLIED_CONTENT_TYPE = 'text/plain';

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

interface Snapshot {
  contents: KeyringFileContents;
  key: Uint8Array;
  /** False when there was no file: it is created on the first write. */
  exists: boolean;
  /** The file's bytes that `contents` were parsed from or written as. */
  bytes?: Uint8Array;
}

const ABSENT = 'absent';
/** The identity of a file this object wrote, which no file's stat matches: the next read compares bytes instead. */
const WRITTEN = 'written';

function now(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/**
 * All of an open file whose size `stat` gave: one read of a byte more than that (no second fstat, as FileHandle#readFile
 * would make). A file that grew meanwhile (no writer of keyring files appends, but something might) is read whole.
 */
async function readWhole(handle: FileHandle, size: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(size + 1);
  const { bytesRead } = await handle.read(buffer, 0, size + 1, 0);
  if (bytesRead <= size) return buffer.subarray(0, bytesRead);
  return handle.readFile();
}

function itemId(blob: Uint8Array): string {
  return Buffer.from(blob.subarray(blob.length - 32)).toString('hex');
}

/** A keyring file opened with a password (a passphrase's bytes, or the Secret portal's secret). */
export class KeyringFile {
  private readonly password: Uint8Array;
  /** The file as last read, and what identifies it (device, inode, size, times), or {@link ABSENT}. */
  private cache?: { identity: string; snapshot: Snapshot };
  /** Derived keys by salt and iteration count: PBKDF2 is deliberately slow, and the salt changes only with the file. */
  private readonly keys = new Map<string, Promise<Uint8Array>>();

  /**
   * @param path the file; created (with its folder, mode 0700, and mode 0600 itself) on the first write.
   * @param password a passphrase (its UTF-8 bytes are used, as libsecret uses SECRET_FILE_TEST_PASSWORD's) or the
   *   bytes of a key source such as the Secret portal's secret; copied, so the caller may wipe its own.
   */
  constructor(
    readonly path: string,
    password: string | Uint8Array,
    private readonly options: { lockTimeoutMs?: number } = {},
  ) {
    this.password = typeof password === 'string' ? new TextEncoder().encode(password) : Uint8Array.from(password);
  }

  /** Shows the path only: the password and keys never appear in logs or the REPL. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyringFile { path: ${JSON.stringify(this.path)} }`;
  }

  /** Forgets the password and the derived keys. */
  async close(): Promise<void> {
    wipe(this.password);
    this.cache = undefined;
    const keys = await Promise.allSettled(this.keys.values());
    for (const key of keys) if (key.status === 'fulfilled') wipe(key.value);
    this.keys.clear();
  }

  private key(salt: Uint8Array, iterationCount: number): Promise<Uint8Array> {
    const id = `${iterationCount}:${Buffer.from(salt).toString('hex')}`;
    let key = this.keys.get(id);
    if (!key) {
      key = deriveFileKey(this.password, salt, iterationCount);
      key.catch(() => this.keys.delete(id));
      this.keys.set(id, key);
    }
    return key;
  }

  /**
   * The file as it is now, and its key, checked against its items.
   * @throws KeyringFileFormatError, KeyringFileVersionError, KeyringFileKeyError, KeyringFileError (unreadable).
   */
  private async read(fresh = false): Promise<Snapshot> {
    await loadNodeCrypto();
    const cannotRead = (error: unknown) =>
      new KeyringFileError(
        this.path,
        `Cannot read the keyring file ${this.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
        { cause: error },
      );
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotRead(error);
    }
    if (!handle) {
      // No file yet: one salt (and one slow derivation) until the first write creates it.
      if (this.cache?.identity === ABSENT) return this.cache.snapshot;
      const crypto = await loadNodeCrypto();
      const contents: KeyringFileContents = {
        salt: new Uint8Array(crypto.randomBytes(SALT_BYTES)),
        iterationCount: DEFAULT_ITERATION_COUNT,
        modified: now(),
        usageCount: 0,
        items: [],
      };
      const snapshot = { contents, key: await this.key(contents.salt, contents.iterationCount), exists: false };
      this.cache = { identity: ABSENT, snapshot };
      return snapshot;
    }
    try {
      // Every writer (this library, libsecret, oo7) renames a new file over the old one, so a file with the same
      // inode, size and times as the one parsed last is that file: reads need not parse it again (as libsecret
      // checks the modification time). A transaction reads afresh all the same.
      const info = await handle.stat({ bigint: true });
      const identity = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      if (!fresh && this.cache?.identity === identity) return this.cache.snapshot;
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(handle, Number(info.size));
      } catch (error) {
        throw cannotRead(error);
      }
      // The same bytes as those last parsed or written (a transaction's reread, a read after this object's own
      // write): the same contents, no need to parse them again.
      const last = this.cache?.snapshot;
      if (last?.bytes && Buffer.compare(last.bytes, bytes) === 0) {
        this.cache = { identity, snapshot: last };
        return last;
      }
      const contents = parseKeyringFile(bytes, this.path);
      const key = await this.key(contents.salt, contents.iterationCount);
      // An empty file opens with any password, as in libsecret and oo7; otherwise one item must verify.
      if (contents.items.length > 0 && !contents.items.some((item) => itemVerifies(key, item))) {
        throw new KeyringFileKeyError(this.path);
      }
      const snapshot = { contents, key, exists: true, bytes };
      this.cache = { identity, snapshot };
      return snapshot;
    } finally {
      await handle.close();
    }
  }

  private decrypt(snapshot: Snapshot, index: number): StoredItem {
    const encrypted = snapshot.contents.items[index];
    let item;
    try {
      item = decryptItem(snapshot.key, encrypted);
    } catch (error) {
      if (!(error instanceof ItemDecryptError)) throw error;
      throw new KeyringFileIntegrityError(this.path, error.message);
    }
    const { [CONTENT_TYPE_ATTRIBUTE]: contentType, ...attributes } = item.attributes;
    return {
      id: itemId(encrypted.blob),
      attributes,
      contentType: contentType ?? IMPLIED_CONTENT_TYPE,
      label: item.label,
      created: Number(item.created),
      modified: Number(item.modified),
      secret: item.secret,
    };
  }

  private search(snapshot: Snapshot, attributes: Record<string, string>): StoredItem[] {
    const query = hashQuery(snapshot.key, attributes);
    const found: StoredItem[] = [];
    snapshot.contents.items.forEach((item, index) => {
      if (itemMatchesQuery(item, query)) found.push(this.decrypt(snapshot, index));
    });
    return found;
  }

  /**
   * The items having all of `attributes` (every item for `{}`), decrypted, in file order.
   * @throws KeyringFileFormatError, KeyringFileVersionError, KeyringFileKeyError, KeyringFileIntegrityError.
   */
  async searchItems(attributes: Record<string, string>): Promise<StoredItem[]> {
    return this.search(await this.read(), attributes);
  }

  /**
   * Reads the file once and returns a search over that reading, for several searches that must see the same file;
   * only the items each search finds are decrypted (each time it finds them).
   * @throws as {@link searchItems}, when reading and when searching.
   */
  async reader(): Promise<(attributes: Record<string, string>) => StoredItem[]> {
    const snapshot = await this.read();
    return (attributes) => this.search(snapshot, attributes);
  }

  /**
   * Stores an item, replacing any with exactly the same attributes (libsecret's rule for its file backend), whose
   * creation time it keeps. Returns the new item's id.
   * @throws as {@link transaction}.
   */
  async storeItem(item: NewItem): Promise<string> {
    const same = (attributes: Record<string, string>) =>
      Object.keys(attributes).length === Object.keys(item.attributes).length &&
      Object.entries(item.attributes).every(([name, value]) => attributes[name] === value);
    return this.transaction((draft) => {
      const replaced = draft.search(item.attributes).filter((existing) => {
        wipe(existing.secret);
        return same(existing.attributes);
      });
      for (const existing of replaced) draft.remove(existing.id);
      return draft.create({ ...item, created: item.created ?? replaced[0]?.created });
    });
  }

  /**
   * Deletes every item having all of `attributes` (libsecret's `clear`); how many there were.
   * @throws as {@link transaction}.
   */
  async deleteItems(attributes: Record<string, string>): Promise<number> {
    return this.transaction((draft) => {
      const found = draft.search(attributes);
      for (const item of found) {
        wipe(item.secret);
        draft.remove(item.id);
      }
      return found.length;
    });
  }

  /**
   * Whether the file exists, how many items it holds, and its permission bits (for `diagnose`); opening it checks
   * the password.
   * @throws as {@link searchItems}.
   */
  async inspect(): Promise<{ exists: boolean; items: number; mode?: number }> {
    const snapshot = await this.read();
    if (!snapshot.exists) return { exists: false, items: 0 };
    const mode = (await stat(this.path)).mode & 0o777;
    return { exists: true, items: snapshot.contents.items.length, mode };
  }

  /**
   * Runs `change` on the file as it is under the lock, then writes the result (only if something changed).
   * @throws as {@link searchItems}; KeyringFileError when the lock or the write fails (the file is then as before).
   */
  async transaction<T>(change: (draft: KeyringFileDraft) => T): Promise<T> {
    return withFileLock(
      this.path,
      async () => {
        const snapshot = await this.read(true);
        const items = [...snapshot.contents.items];
        let changed = false;
        const indexOf = (id: string) => {
          const index = items.findIndex((item) => itemId(item.blob) === id);
          if (index < 0) throw new Error(`Internal error: no item ${id} in this transaction.`);
          return index;
        };
        const encrypt = (stored: Omit<StoredItem, 'id'>) =>
          encryptItem(snapshot.key, {
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
          search: (attributes) => this.search({ ...snapshot, contents: { ...snapshot.contents, items } }, attributes),
          create: (item) => {
            const time = Number(now());
            const encrypted = encrypt({
              attributes: item.attributes,
              contentType: item.contentType ?? IMPLIED_CONTENT_TYPE,
              label: item.label,
              created: item.created ?? time,
              modified: time,
              secret: item.secret,
            });
            items.push(encrypted);
            changed = true;
            return itemId(encrypted.blob);
          },
          setSecret: (id, secret, contentType) => {
            const index = indexOf(id);
            const current = this.decrypt({ ...snapshot, contents: { ...snapshot.contents, items } }, index);
            items[index] = encrypt({
              ...current,
              contentType: contentType ?? current.contentType,
              modified: Number(now()),
              secret,
            });
            wipe(current.secret);
            changed = true;
          },
          remove: (id) => {
            items.splice(indexOf(id), 1);
            changed = true;
          },
        };
        const result = change(draft);
        if (changed) {
          const written = await this.write({ ...snapshot.contents, items });
          this.cache = { identity: WRITTEN, snapshot: { ...written, key: snapshot.key, exists: true } };
        }
        return result;
      },
      {
        timeoutMs: this.options.lockTimeoutMs,
        makeError: (message, cause) => new KeyringFileError(this.path, message, { cause }),
        // The first write creates the folder (mode 0700) as well as the file.
        makeFolder: () =>
          mkdir(dirname(this.path), { recursive: true, mode: 0o700 }).then(
            () => undefined,
            (error: NodeJS.ErrnoException) => {
              throw new KeyringFileError(this.path, `Cannot create the folder of ${this.path} (${error.code}).`, {
                cause: error,
              });
            },
          ),
      },
    );
  }

  /** Writes the file with `contents` (counting the write); what was written. */
  private async write(contents: KeyringFileContents): Promise<{ contents: KeyringFileContents; bytes: Uint8Array }> {
    const written = { ...contents, modified: now(), usageCount: (contents.usageCount + 1) >>> 0 };
    const bytes = serializeKeyringFile(written);
    try {
      await writeFileAtomic(this.path, bytes, { mode: 0o600 });
      return { contents: written, bytes };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new KeyringFileError(
        this.path,
        `Cannot write the keyring file ${this.path} (${code ?? (error as Error).message}); it was left as it was.`,
        { cause: error },
      );
    }
  }
}

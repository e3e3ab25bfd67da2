/**
 * A keyring file as a store of items, shared with libsecret's and oo7's file backends: searched without decrypting
 * (attribute MACs), items decrypted only when found. Every read looks at the file again (another process may have
 * written it) and parses it only when it changed; every change is a transaction: under a lock beside the file, the
 * file is read again (and parsed again unless its bytes are those last read or written), changed, and
 * written whole to a temporary file that is flushed and renamed over it, so a crash leaves the old file and two
 * processes of this library writing at once both keep their changes. Just before the rename the transaction checks
 * that the lock is still its own and that no program that takes no lock (libsecret) replaced the file meanwhile; if one
 * did, it starts again on the new file. Items this library cannot open (damaged, or written under another key) are
 * carried over untouched. The change itself is in draft.ts.
 */
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { wipe } from '../crypto/bytes.js';
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { KeyringFileError, KeyringFileIntegrityError, KeyringFileKeyError } from '../errors.js';
import { removeTemporaries, writeFileAtomic } from '../fs/atomic-write.js';
import { withFileLock, type FileLockHold } from '../fs/file-lock.js';
import {
  parseKeyringFile,
  serializeKeyringFile,
  type EncryptedItem,
  type KeyringFileContents,
} from '../keyring-file-format/file-layout.js';
import {
  CONTENT_TYPE_ATTRIBUTE,
  decryptItem,
  DEFAULT_ITERATION_COUNT,
  deriveFileKey,
  hashQuery,
  ItemDecryptError,
  itemMatchesQuery,
  itemVerifies,
  SALT_BYTES,
} from '../keyring-file-format/item-crypto.js';
import {
  IMPLIED_CONTENT_TYPE,
  itemId,
  now,
  openDraft,
  type KeyringFileDraft,
  type NewItem,
  type StoredItem,
} from './draft.js';

export type { KeyringFileDraft, NewItem, StoredItem } from './draft.js';

/** How often a transaction starts again when another program (libsecret, which takes no lock) wrote the file meanwhile. */
const MAX_ATTEMPTS = 5;

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

/** A keyring file opened with a password (a passphrase's bytes, or the Secret portal's secret). */
export class KeyringFile {
  // Private fields (#): neither util.inspect nor JSON.stringify nor a spread sees the password or the keys.
  readonly #password: Uint8Array;
  /** The file as last read, and what identifies it (device, inode, size, times), or {@link ABSENT}. */
  #cache?: { identity: string; snapshot: Snapshot };
  /** Derived keys by salt and iteration count: PBKDF2 is deliberately slow, and the salt changes only with the file. */
  readonly #keys = new Map<string, Promise<Uint8Array>>();
  /** The calls under way, which close() waits for before it wipes the password and keys they use. */
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;
  /** Whether this object has looked for temporary files that crashed writers left beside the file. */
  #sweptTemporaries = false;

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
    this.#password = typeof password === 'string' ? new TextEncoder().encode(password) : Uint8Array.from(password);
  }

  /** Shows the path only: the password and keys never appear in logs or the REPL. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyringFile { path: ${JSON.stringify(this.path)} }`;
  }

  /** Shows the path only, as inspect does. */
  toJSON(): { path: string } {
    return { path: this.path };
  }

  /**
   * Forgets the password and the derived keys, once the calls under way have finished; every later call fails with
   * KeyringFileError.
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    wipe(this.#password);
    this.#cache = undefined;
    const keys = await Promise.allSettled(this.#keys.values());
    for (const key of keys) if (key.status === 'fulfilled') wipe(key.value);
    this.#keys.clear();
  }

  /** @throws KeyringFileError once close() was called. */
  #assertOpen(): void {
    if (this.#closed) {
      throw new KeyringFileError(
        this.path,
        `This KeyringFile of ${this.path} was closed; open the file again to use it.`,
      );
    }
  }

  /** Runs `call` as one of the calls close() waits for. @throws KeyringFileError once closed. */
  #run<T>(call: () => Promise<T>): Promise<T> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const running = call();
    this.#running.add(running);
    const done = () => this.#running.delete(running);
    running.then(done, done);
    return running;
  }

  #key(salt: Uint8Array, iterationCount: number): Promise<Uint8Array> {
    const id = `${iterationCount}:${Buffer.from(salt).toString('hex')}`;
    let key = this.#keys.get(id);
    if (!key) {
      key = deriveFileKey(this.#password, salt, iterationCount);
      key.catch(() => this.#keys.delete(id));
      this.#keys.set(id, key);
    }
    return key;
  }

  /**
   * The file as it is now, and its key, checked against its items; with what identifies the file that was read
   * (device, inode, size, times), or {@link ABSENT}.
   * @throws KeyringFileFormatError, KeyringFileVersionError, KeyringFileKeyError, KeyringFileError (unreadable).
   */
  async #read(fresh = false): Promise<{ snapshot: Snapshot; identity: string }> {
    await loadNodeCrypto();
    const cannotRead = (error: unknown) =>
      new KeyringFileError(
        this.path,
        `Cannot read the keyring file ${this.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
        { cause: error },
      );
    let handle;
    try {
      // Non-blocking, so that a pipe at the path (which would wait for a writer for ever, and hold one of libuv's
      // four threads meanwhile) is found out by the fstat below instead.
      handle = await open(this.path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotRead(error);
    }
    if (!handle) {
      // No file yet: one salt (and one slow derivation) until the first write creates it.
      if (this.#cache?.identity === ABSENT) return { snapshot: this.#cache.snapshot, identity: ABSENT };
      const crypto = await loadNodeCrypto();
      const contents: KeyringFileContents = {
        salt: new Uint8Array(crypto.randomBytes(SALT_BYTES)),
        iterationCount: DEFAULT_ITERATION_COUNT,
        modified: now(),
        usageCount: 0,
        items: [],
      };
      const snapshot = { contents, key: await this.#key(contents.salt, contents.iterationCount), exists: false };
      this.#cache = { identity: ABSENT, snapshot };
      return { snapshot, identity: ABSENT };
    }
    try {
      // Every writer (this library, libsecret, oo7) renames a new file over the old one, so a file with the same
      // inode, size and times as the one parsed last is that file: reads need not parse it again (as libsecret
      // checks the modification time). A transaction reads afresh all the same.
      const info = await handle.stat({ bigint: true });
      if (!info.isFile()) {
        throw new KeyringFileError(this.path, `${this.path} is not a regular file, so it is not a keyring file.`);
      }
      const identity = identityOf(info);
      if (!fresh && this.#cache?.identity === identity) return { snapshot: this.#cache.snapshot, identity };
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(handle, Number(info.size));
      } catch (error) {
        throw cannotRead(error);
      }
      // The same bytes as those last parsed or written (a transaction's reread, a read after this object's own
      // write): the same contents, no need to parse them again.
      const last = this.#cache?.snapshot;
      if (last?.bytes && Buffer.compare(last.bytes, bytes) === 0) {
        this.#cache = { identity, snapshot: last };
        return { snapshot: last, identity };
      }
      const contents = parseKeyringFile(bytes, this.path);
      const key = await this.#key(contents.salt, contents.iterationCount);
      // An empty file opens with any password, as in libsecret and oo7; otherwise one item must verify.
      if (contents.items.length > 0 && !contents.items.some((item) => itemVerifies(key, item))) {
        throw new KeyringFileKeyError(this.path);
      }
      const snapshot = { contents, key, exists: true, bytes };
      this.#cache = { identity, snapshot };
      return { snapshot, identity };
    } finally {
      await handle.close();
    }
  }

  #decrypt(key: Uint8Array, items: readonly EncryptedItem[], index: number): StoredItem {
    const encrypted = items[index];
    let item;
    try {
      item = decryptItem(key, encrypted);
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

  #search(key: Uint8Array, items: readonly EncryptedItem[], attributes: Record<string, string>): StoredItem[] {
    const query = hashQuery(key, attributes);
    const found: StoredItem[] = [];
    items.forEach((item, index) => {
      if (itemMatchesQuery(item, query)) found.push(this.#decrypt(key, items, index));
    });
    return found;
  }

  /**
   * The items having all of `attributes` (every item for `{}`), decrypted, in file order.
   * @throws KeyringFileFormatError, KeyringFileVersionError, KeyringFileKeyError, KeyringFileIntegrityError;
   *   KeyringFileError once closed.
   */
  searchItems(attributes: Record<string, string>): Promise<StoredItem[]> {
    return this.#run(async () => {
      const { snapshot } = await this.#read();
      return this.#search(snapshot.key, snapshot.contents.items, attributes);
    });
  }

  /**
   * Reads the file once and returns a search over that reading, for several searches that must see the same file;
   * only the items each search finds are decrypted (each time it finds them).
   * @throws as {@link searchItems}, when reading and when searching.
   */
  reader(): Promise<(attributes: Record<string, string>) => StoredItem[]> {
    return this.#run(async () => {
      const { snapshot } = await this.#read();
      return (attributes) => {
        this.#assertOpen();
        return this.#search(snapshot.key, snapshot.contents.items, attributes);
      };
    });
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
  inspect(): Promise<{ exists: boolean; items: number; mode?: number }> {
    return this.#run(async () => {
      const { snapshot } = await this.#read();
      if (!snapshot.exists) return { exists: false, items: 0 };
      const mode = (await stat(this.path)).mode & 0o777;
      return { exists: true, items: snapshot.contents.items.length, mode };
    });
  }

  /**
   * Runs `change` on the file as it is under the lock, then writes the result (only if something changed). `change`
   * must make its changes before it returns (it cannot be async), and may run more than once: when another program
   * that takes no lock (libsecret's file backend) replaced the file meanwhile, the transaction starts again on what
   * that program wrote, so that neither change is lost.
   * @throws as {@link searchItems}; KeyringFileError when the lock or the write fails (the file is then as before),
   *   or when `change` returns a promise (nothing is written then).
   */
  transaction<T>(change: (draft: KeyringFileDraft) => T): Promise<T> {
    return this.#run(() =>
      withFileLock(this.path, (hold) => this.#transact(change, hold), {
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
      }),
    );
  }

  async #transact<T>(change: (draft: KeyringFileDraft) => T, hold: FileLockHold): Promise<T> {
    // Under the lock no writer of this library is writing the file: any temporary file of one is a killed writer's
    // (a whole copy of the file, deleted secrets included). Looked for once per object.
    if (!this.#sweptTemporaries) {
      this.#sweptTemporaries = true;
      await removeTemporaries(this.path);
    }
    for (let attempt = 1; ; attempt++) {
      const { snapshot, identity } = await this.#read(true);
      const { key } = snapshot;
      const open = openDraft(snapshot.contents.items, key, {
        decrypt: (items, index) => this.#decrypt(key, items, index),
        search: (items, attributes) => this.#search(key, items, attributes),
      });
      let result: T;
      try {
        result = change(open.draft);
      } finally {
        open.end();
      }
      if (typeof (result as { then?: unknown } | undefined)?.then === 'function') {
        // Refused, so what it settles to is nobody's: its rejection (the draft used after this) is not left unhandled.
        Promise.resolve(result).catch(() => undefined);
        throw new KeyringFileError(
          this.path,
          'A keyring file transaction function returned a promise: it must make its changes before it returns ' +
            `(it cannot await), so nothing was written to ${this.path}.`,
        );
      }
      if (!open.changed) return result;
      const replacedMeanwhile = async () =>
        identityOf(await stat(this.path, { bigint: true }).catch(() => undefined)) !== identity;
      let changedMeanwhile = false;
      const written = await this.#write({ ...snapshot.contents, items: open.items }, async () => {
        // The last moment to find out that this write would undo another's: the lock taken over (this process was
        // stopped), or the file replaced by a program that takes no lock since it was read.
        const [, replaced] = await Promise.all([hold.assertHeld(), replacedMeanwhile()]);
        if (!replaced) return;
        if (attempt === MAX_ATTEMPTS) {
          throw new KeyringFileError(
            this.path,
            `Another program replaced ${this.path} while each of ${MAX_ATTEMPTS} attempts to change it was under ` +
              "way (one that takes no lock, such as libsecret's file backend), so nothing was written. Try again.",
          );
        }
        changedMeanwhile = true;
        throw new Error('replaced meanwhile');
      }).catch((error: unknown) => {
        if (changedMeanwhile) return undefined;
        throw error;
      });
      if (!written) continue;
      this.#cache = { identity: WRITTEN, snapshot: { ...written, key, exists: true } };
      return result;
    }
  }

  /**
   * Writes the file with `contents` (counting the write), calling `beforeReplace` just before the new file replaces
   * the old; what was written.
   */
  async #write(
    contents: KeyringFileContents,
    beforeReplace: () => Promise<void>,
  ): Promise<{ contents: KeyringFileContents; bytes: Uint8Array }> {
    const written = { ...contents, modified: now(), usageCount: (contents.usageCount + 1) >>> 0 };
    const bytes = serializeKeyringFile(written);
    try {
      await writeFileAtomic(this.path, bytes, { mode: 0o600, beforeReplace });
      return { contents: written, bytes };
    } catch (error) {
      if (error instanceof KeyringFileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      // A symbolic link that leads nowhere or to something that is not a file: say so (the message names the path).
      const why = code === 'EINVAL' ? (error as Error).message : (code ?? (error as Error).message);
      throw new KeyringFileError(
        this.path,
        `Cannot write the keyring file ${this.path} (${why}); it was left as it was.`,
        { cause: error },
      );
    }
  }
}

/** What identifies a file's version: device, inode, size and times ('' for no file). */
function identityOf(info: import('node:fs').BigIntStats | undefined): string {
  return info ? `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}` : ABSENT;
}

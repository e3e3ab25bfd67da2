/**
 * User secrets in a keyring file (libsecret's and oo7's format): the same items as in the Secret Service (the
 * attributes and labels of keyring-store.ts), so `secret-tool` in file mode, or a copy to the Secret Service with
 * `secretstorage copy`, shows them as it shows the daemon's.
 */
import { wipe } from '../crypto/bytes.js';
import type { KeyringFile, StoredItem } from '../keyring-file/keyring-file.js';
import { decodeValue, KEY_ATTRIBUTE, projectAttributes, secretAttributes, secretLabel } from './keyring-store.js';
import type { SecretsStore } from './secrets-store.js';

function byKey(items: StoredItem[]): Map<string, StoredItem[]> {
  const found = new Map<string, StoredItem[]>();
  for (const item of items) {
    const key = item.attributes[KEY_ATTRIBUTE];
    if (key === undefined) continue;
    found.set(key, [...(found.get(key) ?? []), item]);
  }
  return found;
}

function wipeAll(items: StoredItem[]): void {
  for (const item of items) wipe(item.secret);
}

/** The secrets of one project in a keyring file. Every method reads the file again; nothing is cached. */
export class FileSecretsStore implements SecretsStore {
  constructor(
    readonly file: KeyringFile,
    readonly projectId: string,
    private readonly options: { projectName?: string } = {},
  ) {}

  private search(key?: string): Promise<StoredItem[]> {
    return this.file.searchItems(
      key === undefined ? projectAttributes(this.projectId) : secretAttributes(this.projectId, key),
    );
  }

  async keys(): Promise<string[]> {
    const items = await this.search();
    wipeAll(items);
    return [...byKey(items).keys()].sort();
  }

  async readAll(key?: string): Promise<Map<string, string>> {
    const items = await this.search(key);
    try {
      const result = new Map<string, string>();
      const sorted = [...byKey(items)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [found, [first]] of sorted) {
        result.set(found, decodeValue(Buffer.from(first.secret), found, this.file.path));
      }
      return result;
    } finally {
      wipeAll(items);
    }
  }

  async read(key: string): Promise<string | undefined> {
    return (await this.readAll(key)).get(key);
  }

  async write(key: string, value: string): Promise<void> {
    const secret = new TextEncoder().encode(value);
    try {
      await this.file.transaction((draft) => {
        const existing = draft.search(secretAttributes(this.projectId, key));
        wipeAll(existing);
        const [first, ...copies] = existing;
        if (first) draft.setSecret(first.id, secret, 'text/plain');
        else {
          draft.create({
            attributes: secretAttributes(this.projectId, key),
            label: secretLabel(key, this.options.projectName, this.projectId),
            secret,
          });
        }
        for (const copy of copies) draft.remove(copy.id);
      });
    } finally {
      wipe(secret);
    }
  }

  async remove(key: string): Promise<boolean> {
    return this.file.transaction((draft) => {
      const existing = draft.search(secretAttributes(this.projectId, key));
      wipeAll(existing);
      for (const item of existing) draft.remove(item.id);
      return existing.length > 0;
    });
  }

  async removeAll(): Promise<number> {
    return this.file.transaction((draft) => {
      const existing = draft.search(projectAttributes(this.projectId));
      wipeAll(existing);
      for (const item of existing) draft.remove(item.id);
      return byKey(existing).size;
    });
  }

  async collectionPath(): Promise<string | undefined> {
    return this.file.path;
  }
}

/** What the user-secrets manager needs of a backend: one project's secrets by key (see keyring-store.ts, file-store.ts). */
export interface SecretsStore {
  /** The keys stored for the project, sorted. */
  keys(): Promise<string[]>;
  /** Every secret of the project (or only `key`'s), keys sorted. */
  readAll(key?: string): Promise<Map<string, string>>;
  /** One secret, or undefined. */
  read(key: string): Promise<string | undefined>;
  /** Stores one secret, replacing what held the key, so that the key has one value. */
  write(key: string, value: string): Promise<void>;
  /** Deletes the key; false when there was none. */
  remove(key: string): Promise<boolean>;
  /** Deletes every secret of the project; how many keys there were. */
  removeAll(): Promise<number>;
  /** Where new secrets go: a collection's object path, or the keyring file; undefined while there is none. */
  collectionPath(): Promise<string | undefined>;
}

/**
 * The mock's keyrings: collections, items, aliases and lock state, with no D-Bus in sight. Every change is reported
 * through `onEvent`, which the service turns into the spec's signals (`CollectionCreated`, `ItemChanged`, …).
 */
import { ServiceError, SecretErrors } from './errors.js';

export const SERVICE_PATH = '/org/freedesktop/secrets';
const COLLECTION_PREFIX = `${SERVICE_PATH}/collection/`;
const ALIAS_PREFIX = `${SERVICE_PATH}/aliases/`;

export interface MockItem {
  readonly path: string;
  readonly collection: MockCollection;
  label: string;
  attributes: Record<string, string>;
  secret: Uint8Array;
  /** Kept exactly as the client sent it (unlike gnome-keyring, which always answers `text/plain`). */
  contentType: string;
  /** Locked on its own, as KeePassXC locks items per client; the item is also locked when its collection is. */
  locked: boolean;
  /** Unix seconds. */
  created: number;
  modified: number;
}

export interface MockCollection {
  readonly path: string;
  readonly id: string;
  label: string;
  locked: boolean;
  /** What `UnlockWithMasterPassword` checks; no password means any password unlocks. */
  masterPassword?: Uint8Array;
  created: number;
  modified: number;
  readonly items: Map<string, MockItem>;
  nextItemId: number;
}

export type StoreEvent =
  | { member: 'CollectionCreated' | 'CollectionDeleted' | 'CollectionChanged'; collection: string }
  | { member: 'ItemCreated' | 'ItemDeleted' | 'ItemChanged'; collection: string; item: string };

export interface NewItem {
  label: string;
  attributes: Record<string, string>;
  secret: Uint8Array;
  contentType: string;
  locked?: boolean;
}

export interface NewCollection {
  label: string;
  /** The last path element; derived from the label when absent. */
  id?: string;
  locked?: boolean;
  masterPassword?: Uint8Array;
}

/** True when every queried pair is present on the item: the subset match all servers implement. */
export function attributesMatch(attributes: Record<string, string>, query: Record<string, string>): boolean {
  return Object.entries(query).every(([name, value]) => Object.hasOwn(attributes, name) && attributes[name] === value);
}

/** A path element made of the characters D-Bus allows (`[A-Za-z0-9_]`), the way gnome-keyring names keyrings. */
function pathElement(label: string): string {
  const element = label.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return element === '' ? 'collection' : element;
}

export class SecretStore {
  readonly collections = new Map<string, MockCollection>();
  /** Alias name → collection path. */
  readonly aliases = new Map<string, string>();

  constructor(
    private readonly onEvent: (event: StoreEvent) => void,
    private readonly nowSeconds: () => number,
  ) {}

  /** Rewrites `/aliases/<name>[/<item>]` to the real collection path, as gnome-keyring's message filter does. */
  resolvePath(path: string): string {
    if (!path.startsWith(ALIAS_PREFIX)) return path;
    const [name, ...rest] = path.slice(ALIAS_PREFIX.length).split('/');
    const target = this.aliases.get(name);
    if (target === undefined) return path;
    return [target, ...rest].join('/');
  }

  collection(path: string): MockCollection | undefined {
    return this.collections.get(this.resolvePath(path));
  }

  item(path: string): MockItem | undefined {
    const resolved = this.resolvePath(path);
    const collectionPath = resolved.slice(0, resolved.lastIndexOf('/'));
    return this.collections.get(collectionPath)?.items.get(resolved);
  }

  isItemLocked(item: MockItem): boolean {
    return item.locked || item.collection.locked;
  }

  /** True when the collection or item at `path` is locked; undefined when there is no such object. */
  isLocked(path: string): boolean | undefined {
    const collection = this.collection(path);
    if (collection) return collection.locked;
    const item = this.item(path);
    return item ? this.isItemLocked(item) : undefined;
  }

  /** The collection with this alias, or undefined. */
  readAlias(name: string): MockCollection | undefined {
    const path = this.aliases.get(name);
    return path === undefined ? undefined : this.collections.get(path);
  }

  /** Points `name` at the collection, or removes the alias when `collection` is undefined. */
  setAlias(name: string, collection: MockCollection | undefined): void {
    if (collection) this.aliases.set(name, collection.path);
    else this.aliases.delete(name);
  }

  aliasesOf(collection: MockCollection): string[] {
    return [...this.aliases].filter(([, path]) => path === collection.path).map(([name]) => name);
  }

  createCollection(spec: NewCollection): MockCollection {
    const base = spec.id ?? pathElement(spec.label);
    let id = base;
    for (let n = 2; this.collections.has(COLLECTION_PREFIX + id); n++) id = `${base}${n}`;
    const now = this.nowSeconds();
    const collection: MockCollection = {
      path: COLLECTION_PREFIX + id,
      id,
      label: spec.label,
      locked: spec.locked ?? false,
      masterPassword: spec.masterPassword,
      created: now,
      modified: now,
      items: new Map(),
      nextItemId: 1,
    };
    this.collections.set(collection.path, collection);
    this.onEvent({ member: 'CollectionCreated', collection: collection.path });
    return collection;
  }

  deleteCollection(collection: MockCollection): void {
    if (!this.collections.delete(collection.path)) return;
    for (const name of this.aliasesOf(collection)) this.aliases.delete(name);
    this.onEvent({ member: 'CollectionDeleted', collection: collection.path });
  }

  /** Renames a collection and bumps its `Modified`. */
  setCollectionLabel(collection: MockCollection, label: string): void {
    collection.label = label;
    collection.modified = this.nowSeconds();
    this.onEvent({ member: 'CollectionChanged', collection: collection.path });
  }

  /** Adds an item, or with `replace` overwrites the first item whose attributes include all of the new ones. */
  storeItem(collection: MockCollection, spec: NewItem, replace: boolean): MockItem {
    const existing = replace
      ? [...collection.items.values()].find((item) => attributesMatch(item.attributes, spec.attributes))
      : undefined;
    if (existing) {
      existing.secret = Uint8Array.from(spec.secret);
      existing.contentType = spec.contentType;
      this.updateItem(existing, { label: spec.label, attributes: spec.attributes });
      return existing;
    }
    const now = this.nowSeconds();
    const item: MockItem = {
      path: `${collection.path}/${collection.nextItemId++}`,
      collection,
      label: spec.label,
      attributes: { ...spec.attributes },
      secret: Uint8Array.from(spec.secret),
      contentType: spec.contentType,
      locked: spec.locked ?? false,
      created: now,
      modified: now,
    };
    collection.items.set(item.path, item);
    collection.modified = now;
    this.onEvent({ member: 'ItemCreated', collection: collection.path, item: item.path });
    return item;
  }

  /** Changes label, attributes and/or secret, bumps `Modified` and emits `ItemChanged`. */
  updateItem(
    item: MockItem,
    change: { label?: string; attributes?: Record<string, string>; secret?: Uint8Array; contentType?: string },
  ): void {
    if (change.label !== undefined) item.label = change.label;
    if (change.attributes !== undefined) item.attributes = { ...change.attributes };
    if (change.secret !== undefined) item.secret = Uint8Array.from(change.secret);
    if (change.contentType !== undefined) item.contentType = change.contentType;
    item.modified = this.nowSeconds();
    this.onEvent({ member: 'ItemChanged', collection: item.collection.path, item: item.path });
  }

  deleteItem(item: MockItem): void {
    if (!item.collection.items.delete(item.path)) return;
    item.collection.modified = this.nowSeconds();
    this.onEvent({ member: 'ItemDeleted', collection: item.collection.path, item: item.path });
  }

  /** Every item of `collections` (all by default) whose attributes include the query. */
  searchItems(
    query: Record<string, string>,
    collections: Iterable<MockCollection> = this.collections.values(),
  ): MockItem[] {
    const found: MockItem[] = [];
    for (const collection of collections) {
      for (const item of collection.items.values()) if (attributesMatch(item.attributes, query)) found.push(item);
    }
    return found;
  }

  /**
   * Locks a collection, or a single item (KeePassXC-style per-item lock).
   * @throws ServiceError NoSuchObject when `path` is neither.
   */
  lock(path: string): void {
    const collection = this.collection(path);
    if (collection) {
      if (!collection.locked) {
        collection.locked = true;
        this.onEvent({ member: 'CollectionChanged', collection: collection.path });
      }
      return;
    }
    const item = this.requireItem(path);
    if (!item.locked) {
      item.locked = true;
      this.onEvent({ member: 'ItemChanged', collection: item.collection.path, item: item.path });
    }
  }

  /**
   * Unlocks a collection, or an item together with its collection (as gnome-keyring unlocks an item's keyring).
   * @throws ServiceError NoSuchObject when `path` is neither.
   */
  unlock(path: string): void {
    const item = this.collection(path) ? undefined : this.requireItem(path);
    const collection = item ? item.collection : this.collection(path)!;
    if (collection.locked) {
      collection.locked = false;
      this.onEvent({ member: 'CollectionChanged', collection: collection.path });
    }
    if (item?.locked) {
      item.locked = false;
      this.onEvent({ member: 'ItemChanged', collection: collection.path, item: item.path });
    }
  }

  private requireItem(path: string): MockItem {
    const item = this.item(path);
    if (!item) throw new ServiceError(SecretErrors.noSuchObject, `No collection or item at ${path}`);
    return item;
  }
}

/** Test fixtures in, snapshots out: how a test describes the mock's initial keyrings and reads them back. */
import type { MockCollection, MockItem, SecretStore } from './store.js';

export interface MockItemFixture {
  label?: string;
  attributes?: Record<string, string>;
  /** A string is stored as its UTF-8 bytes. */
  secret: string | Uint8Array;
  /** Default `text/plain`. */
  contentType?: string;
  /** Locked on its own (KeePassXC-style), even in an unlocked collection. */
  locked?: boolean;
}

export interface MockCollectionFixture {
  /** The last element of the object path; derived from the label when absent. */
  id?: string;
  label: string;
  aliases?: string[];
  locked?: boolean;
  /** Checked by `UnlockWithMasterPassword`; without one, any password unlocks. */
  masterPassword?: string | Uint8Array;
  items?: MockItemFixture[];
}

/** Without `collections`: one unlocked collection `login` ("Login"), aliased `default`, as gnome-keyring sets up. */
export const DEFAULT_COLLECTIONS: readonly MockCollectionFixture[] = [
  { id: 'login', label: 'Login', aliases: ['default'] },
];

export interface MockItemSnapshot {
  path: string;
  collection: string;
  label: string;
  attributes: Record<string, string>;
  /** A copy of the stored plaintext. */
  secret: Uint8Array;
  contentType: string;
  /** Locked on its own or through its collection. */
  locked: boolean;
  created: number;
  modified: number;
}

export interface MockCollectionSnapshot {
  path: string;
  id: string;
  label: string;
  locked: boolean;
  aliases: string[];
  created: number;
  modified: number;
  items: MockItemSnapshot[];
}

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : Uint8Array.from(value);
}

/** Creates the fixture's collection, aliases and items in `store`. */
export function loadFixture(store: SecretStore, fixture: MockCollectionFixture): MockCollection {
  const collection = store.createCollection({
    id: fixture.id,
    label: fixture.label,
    locked: fixture.locked,
    masterPassword: fixture.masterPassword === undefined ? undefined : toBytes(fixture.masterPassword),
  });
  for (const alias of fixture.aliases ?? []) store.setAlias(alias, collection);
  for (const item of fixture.items ?? []) {
    const secret = toBytes(item.secret);
    const { label = '', attributes = {}, contentType = 'text/plain', locked } = item;
    store.storeItem(collection, { label, attributes, secret, contentType, locked }, false);
  }
  return collection;
}

/** A copy of the item's state that later changes do not affect. */
export function snapshotItem(store: SecretStore, item: MockItem): MockItemSnapshot {
  return {
    path: item.path,
    collection: item.collection.path,
    label: item.label,
    attributes: { ...item.attributes },
    secret: Uint8Array.from(item.secret),
    contentType: item.contentType,
    locked: store.isItemLocked(item),
    created: item.created,
    modified: item.modified,
  };
}

export function snapshotCollection(store: SecretStore, collection: MockCollection): MockCollectionSnapshot {
  return {
    path: collection.path,
    id: collection.id,
    label: collection.label,
    locked: collection.locked,
    aliases: store.aliasesOf(collection),
    created: collection.created,
    modified: collection.modified,
    items: [...collection.items.values()].map((item) => snapshotItem(store, item)),
  };
}

/**
 * Writing a password under a profile. Every item the profile's own tool would read for this service and user is
 * updated in place (so that tool reads the new password and no stale copy remains); exact duplicates in one
 * collection are removed; only when there is none is a new item created, with exactly the profile's attributes and
 * label. Doing the search ourselves, instead of relying on `CreateItem(replace)`, gives the same result on every
 * server: gnome-keyring replaces any item whose attributes include the new ones, others only identical ones.
 */
import { SESSION_COLLECTION_PATH } from '../defines.js';
import { ItemNotFoundException, LockedException } from '../errors.js';
import { Item } from '../item.js';
import { defaultCollectionPath } from '../service.js';
import { unlockForUse } from '../unlock-for-use.js';
import { collectionOf, describeMatches, searchOwnMatches, type Candidate } from './lookup.js';
import type { OperationContext } from './operation.js';
import { isExactlyProfile } from './profiles.js';
import { readScope, writeTarget } from './target.js';

export interface StoreResult {
  /** The item that now holds the password (the first one, when several were updated). */
  itemPath: string;
  /** `created`: a new item; `updated`: existing items got the new password. */
  action: 'created' | 'updated';
  /** How many existing items now hold the new password. */
  updated: number;
  /** Exact duplicates that were deleted. */
  removedDuplicates: number;
}

/**
 * The collection whose items this write may update, or undefined for every collection; null when the write goes
 * to the default collection and there is none yet, so there is nothing to update.
 */
async function updateScope(
  context: OperationContext,
  collection: string | undefined,
  defaultPath: Promise<string | undefined> | undefined,
): Promise<string | undefined | null> {
  if (collection !== undefined && collection !== 'default') return readScope(context.connection, collection);
  if (collection === undefined && context.profile.lookupScope === 'all-collections') return undefined;
  return (await defaultPath) ?? null;
}

/** Splits the matches into the ones to update and exact duplicates (same collection, same attributes) to delete. */
function splitDuplicates(matches: Candidate[], service: string, username: string, context: OperationContext) {
  const keep: Candidate[] = [];
  const duplicates: Candidate[] = [];
  const exactIn = new Set<string>();
  for (const match of matches) {
    const exact = isExactlyProfile(match.attributes, context.profile, service, username);
    if (exact && exactIn.has(match.collectionPath)) {
      duplicates.push(match);
    } else {
      if (exact) exactIn.add(match.collectionPath);
      keep.push(match);
    }
  }
  return { keep, duplicates };
}

/** Stores `password` for `service` and `username` under the context's profile. */
export async function storePassword(
  context: OperationContext,
  service: string,
  username: string,
  password: string,
  collection: string | undefined,
): Promise<StoreResult> {
  const { connection, profile, prompt } = context;
  const what = `Storing the password for "${username}" on "${service}"`;
  // Looked up at once, beside the searches: it scopes the update (Python keyring's profile) or receives a new item.
  const defaultPath =
    collection === undefined || collection === 'default' ? defaultCollectionPath(connection) : undefined;
  defaultPath?.catch(() => undefined);
  const query = { service, username, profile };
  // Only the items the profile's tool reads are updated (the others are left to their tools): one search.
  const [scope, own] = await Promise.all([
    updateScope(context, collection, defaultPath),
    searchOwnMatches(connection, query),
  ]);
  let inScope = scope === null ? [] : own.filter((match) => scope === undefined || collectionOf(match.path) === scope);
  let updateIn = scope ?? undefined;
  const [onlyElsewhere] = own;
  if (
    inScope.length === 0 &&
    collection === undefined &&
    own.length === 1 &&
    !onlyElsewhere.locked &&
    collectionOf(onlyElsewhere.path) !== SESSION_COLLECTION_PATH
  ) {
    // The profile's tool looks only in the default collection, which has none of its items, but a read finds one,
    // unlocked, in another collection that keeps it (written there by another tool, or with `collection`): that one
    // is updated, where a new item in the default collection would leave the old password beside it and make
    // keyring-rs and @napi-rs/keyring, which search every collection, refuse the pair as ambiguous. (A locked one is
    // left alone rather than unlocked, which needs a prompt; the session collection is forgotten when the keyring
    // stops.)
    inScope = own;
    updateIn = undefined;
  }
  context.checkpoint();
  const [sole] = inScope;
  if (inScope.length === 1 && !sole.locked) {
    // The common update: one unlocked item, nothing to rank or deduplicate.
    try {
      await new Item(connection, sole.path).setSecret(password, profile.contentType);
      return { itemPath: sole.path, action: 'updated', updated: 1, removedDuplicates: 0 };
    } catch (error) {
      // Deleted by someone else since the search: store it anew below.
      if (!(error instanceof ItemNotFoundException)) throw error;
    }
  }
  // Several (exact duplicates in one collection are removed), or locked ones to unlock first.
  const matches =
    inScope.length > 1 || sole?.locked
      ? await describeMatches(connection, { ...query, collectionPath: updateIn }, inScope)
      : [];
  context.checkpoint();
  if (matches.length > 0) {
    await unlockForUse(
      connection,
      matches.filter((m) => m.locked).map((m) => m.collectionPath),
      what,
      prompt,
    );
    context.checkpoint();
    const { keep, duplicates } = splitDuplicates(matches, service, username, context);
    for (const match of keep) await match.item.setSecret(password, profile.contentType);
    for (const duplicate of duplicates) await duplicate.item.delete(prompt);
    return {
      itemPath: keep[0].item.itemPath,
      action: 'updated',
      updated: keep.length,
      removedDuplicates: duplicates.length,
    };
  }
  const target = await writeTarget(connection, collection, prompt, await defaultPath);
  context.checkpoint();
  const create = () =>
    target.createItem(profile.label(service, username), profile.writeAttributes(service, username), password, {
      replace: true,
      contentType: profile.contentType,
      ...prompt,
    });
  let item;
  try {
    item = await create();
  } catch (error) {
    if (!(error instanceof LockedException)) throw error;
    await unlockForUse(connection, [await target.getPath()], what, prompt);
    context.checkpoint();
    item = await create();
  }
  return { itemPath: item.itemPath, action: 'created', updated: 0, removedDuplicates: 0 };
}

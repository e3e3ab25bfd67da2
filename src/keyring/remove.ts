/**
 * Deleting a password: every item a read could return for the service and user (whichever tool wrote it), so that a
 * later read finds nothing instead of an older copy. Locked collections among them are unlocked before anything is
 * deleted, so that a prompt that fails leaves every copy in place rather than some.
 */
import { ItemNotFoundException, LockedException } from '../errors.js';
import { Item } from '../item.js';
import { unlockForUse } from '../unlock-for-use.js';
import { collectionOf, describeMatches, searchAllMatches } from './lookup.js';
import type { OperationContext } from './operation.js';
import { readScope } from './target.js';

/** An item to delete, its collection, and whether that was locked when searched. */
interface Target {
  item: Item;
  collectionPath: string;
  locked: boolean;
}

/** Deletes the password for `service` and `username`; resolves with the number of items deleted. */
export async function removePassword(
  context: OperationContext,
  service: string,
  username: string,
  collection: string | undefined,
): Promise<number> {
  const { connection, profile, prompt } = context;
  const collectionPath = await readScope(connection, collection);
  const query = { service, username, profile, collectionPath };
  const matches = await searchAllMatches(connection, query);
  // Items found by the profile's own user attribute certainly hold this service and user; only the others need
  // their attributes read to know whether they do.
  const candidates: Target[] = matches.every((match) => match.certain)
    ? matches.map((match) => ({
        item: new Item(connection, match.path),
        collectionPath: collectionOf(match.path),
        locked: match.locked,
      }))
    : await describeMatches(connection, query, matches);
  context.checkpoint();
  const what = `Deleting the password for "${username}" on "${service}"`;
  const lockedPaths = candidates.filter((candidate) => candidate.locked).map((candidate) => candidate.collectionPath);
  if (lockedPaths.length > 0) {
    await unlockForUse(connection, lockedPaths, what, prompt, 'Nothing was deleted.');
    context.checkpoint();
  }
  const deleteOne = async (candidate: Target): Promise<number> => {
    try {
      await candidate.item.delete(prompt);
      return 1;
    } catch (error) {
      // Someone else deleted it first: it is gone, which is what was asked, but not our deletion.
      if (error instanceof ItemNotFoundException) return 0;
      throw error;
    }
  };
  let deleted = 0;
  const locked: Target[] = []; // locked again since the search (or by a server that locks items one by one)
  for (const candidate of candidates) {
    try {
      deleted += await deleteOne(candidate);
    } catch (error) {
      if (!(error instanceof LockedException)) throw error;
      locked.push(candidate);
    }
  }
  if (locked.length > 0) {
    await unlockForUse(
      connection,
      locked.map((candidate) => candidate.collectionPath),
      what,
      prompt,
    );
    context.checkpoint();
    for (const candidate of locked) deleted += await deleteOne(candidate);
  }
  return deleted;
}

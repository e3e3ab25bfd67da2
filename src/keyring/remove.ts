/**
 * Deleting a password: every item a read could return for the service and user (whichever tool wrote it), so that a
 * later read finds nothing instead of an older copy.
 */
import { ItemNotFoundException, LockedException } from '../errors.js';
import { findCandidates, type Candidate } from './lookup.js';
import type { OperationContext } from './operation.js';
import { readScope } from './target.js';
import { unlockForUse } from './unlock.js';

/** Deletes the password for `service` and `username`; resolves with the number of items deleted. */
export async function removePassword(
  context: OperationContext,
  service: string,
  username: string,
  collection: string | undefined,
): Promise<number> {
  const { connection, profile, prompt } = context;
  const collectionPath = await readScope(connection, collection);
  const candidates = await findCandidates(connection, { service, username, profile, collectionPath });
  context.checkpoint();
  const what = `Deleting the password for "${username}" on "${service}"`;
  const deleteOne = async (candidate: Candidate): Promise<number> => {
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
  const locked: Candidate[] = [];
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

/** Reading passwords: the best item for a service and user (or every user), unlocked first when it has to be. */
import { ItemNotFoundException, SecretStorageError } from '../errors.js';
import { Item } from '../item.js';
import { getSecrets } from '../service.js';
import { unlockForUse } from '../unlock-for-use.js';
import { bestPerUser, collectionOf, findCandidates, findForRead, type Candidate, type Match } from './lookup.js';
import type { OperationContext } from './operation.js';
import { readScope } from './target.js';
import { decodeUtf8 } from '../utf8.js';

export interface Credential {
  username: string;
  password: string;
}

/**
 * The UTF-8 text of a secret; the buffer is wiped.
 * @throws SecretStorageError when the secret is not UTF-8 text.
 */
export function decodePassword(secret: Buffer, itemPath: string): string {
  try {
    const text = decodeUtf8(secret, true); // a leading BOM is part of the secret, as for Python keyring
    if (text !== undefined) return text;
    throw new SecretStorageError(
      `The item ${itemPath} holds bytes that are not UTF-8 text, so it cannot be returned as a password; read it ` +
        'with Item.getSecret() from the core API instead (from the command line: `secretstorage search SERVICE ' +
        '--show-secrets --json`, whose secretBase64 holds the bytes).',
    );
  } finally {
    secret.fill(0);
  }
}

async function unlockCandidates(context: OperationContext, candidates: Candidate[], what: string): Promise<void> {
  const locked = candidates.filter((candidate) => candidate.locked).map((candidate) => candidate.collectionPath);
  await unlockForUse(context.connection, locked, what, context.prompt);
  context.checkpoint();
}

async function readBest(context: OperationContext, candidates: Candidate[], what: string): Promise<Credential | null> {
  const best = candidates[0];
  if (!best) return null;
  await unlockCandidates(context, [best], what);
  return { username: best.username, password: decodePassword(await best.item.getSecret(), best.item.itemPath) };
}

/** Reads the profile's only own item for `username` (unlocking its collection first if it has to). */
async function readSole(
  context: OperationContext,
  sole: Match,
  username: string,
  what: string,
): Promise<Credential | null> {
  if (sole.locked) await unlockForUse(context.connection, [collectionOf(sole.path)], what, context.prompt);
  context.checkpoint();
  let secret: Buffer;
  try {
    secret = await new Item(context.connection, sole.path).getSecret();
  } catch (error) {
    // Deleted by someone else since the search: there is no password any more.
    if (error instanceof ItemNotFoundException) return null;
    throw error;
  }
  return { username, password: decodePassword(secret, sole.path) };
}

/** The password for `service` and `username`, or null. */
export async function readPassword(
  context: OperationContext,
  service: string,
  username: string,
  collection: string | undefined,
): Promise<string | null> {
  return (await readCredential(context, service, username, collection))?.password ?? null;
}

/** The credential for `service` and `username`, or for the best item of any user of the service; null if none. */
export async function readCredential(
  context: OperationContext,
  service: string,
  username: string | undefined,
  collection: string | undefined,
): Promise<Credential | null> {
  const collectionPath = await readScope(context.connection, collection);
  const query = { service, profile: context.profile, collectionPath };
  const whose = username === undefined ? 'a credential' : `the password for "${username}"`;
  const what = `Reading ${whose} on "${service}"`;
  if (username === undefined) {
    const candidates = await findCandidates(context.connection, query);
    context.checkpoint();
    return readBest(context, candidates, what);
  }
  // One own item (the common case) is read in two round trips, as libsecret's lookup: the search, then the secret.
  const found = await findForRead(context.connection, { ...query, username });
  context.checkpoint();
  if ('sole' in found) return readSole(context, found.sole, username, what);
  return readBest(context, found.candidates, what);
}

/** One credential per user of `service`, in user-name order. */
export async function readCredentials(
  context: OperationContext,
  service: string,
  collection: string | undefined,
): Promise<Credential[]> {
  const collectionPath = await readScope(context.connection, collection);
  const best = bestPerUser(
    await findCandidates(context.connection, { service, profile: context.profile, collectionPath }),
  );
  context.checkpoint();
  if (best.length === 0) return [];
  await unlockCandidates(context, best, `Reading the credentials for "${service}"`);
  const secrets = await getSecrets(
    context.connection,
    best.map((candidate) => candidate.item),
  );
  const credentials: Credential[] = [];
  try {
    for (const candidate of best) {
      const secret = secrets.get(candidate.item.itemPath);
      // Absent: deleted (or locked again) since the search; it is no longer a credential of the service.
      if (secret)
        credentials.push({ username: candidate.username, password: decodePassword(secret, candidate.item.itemPath) });
    }
  } finally {
    for (const secret of secrets.values()) secret.fill(0);
  }
  return credentials;
}

/**
 * The password API over a keyring file: the same profiles and the same choice of item as over the Secret Service
 * (the profile's own items first, then exact ones, then the newest; writes update every item the profile's tool
 * would read and remove exact duplicates), on a file that has one collection and no locks or prompts.
 */
import { wipe } from '../crypto/bytes.js';
import { InvalidArgumentError } from '../errors.js';
import type { KeyringFile, StoredItem } from '../keyring-file/keyring-file.js';
import { isExactlyProfile, usernameOf, type AttributeProfile } from './profiles.js';
import { decodePassword, type Credential } from './read.js';
import type { StoreResult } from './store.js';

export interface FileQuery {
  file: KeyringFile;
  profile: AttributeProfile;
  service: string;
  /** Absent: every user of the service. */
  username?: string;
}

/**
 * A keyring file is one collection: `default` (or none) names it; anything else is refused rather than ignored.
 * @throws InvalidArgumentError.
 */
export function checkFileCollection(collection: string | undefined, path: string): void {
  if (collection === undefined || collection === 'default') return;
  throw new InvalidArgumentError(
    'collection',
    `the keyring file ${path} holds one collection, "default"; it has no "${collection}". Leave collection out, or ` +
      'use the Secret Service for other collections.',
  );
}

/** How a file item is named in messages and results. */
export function fileItemPath(path: string, item: StoredItem | string): string {
  return `${path}#${(typeof item === 'string' ? item : item.id).slice(0, 16)}`;
}

interface Ranked {
  item: StoredItem;
  username: string;
  own: boolean;
  exact: boolean;
}

/** Every item holding a password for the service (and user), best first; the others' secrets are wiped. */
function candidates(search: (attributes: Record<string, string>) => StoredItem[], query: FileQuery): Ranked[] {
  const { profile, service, username } = query;
  const own = search(profile.lookupAttributes(service, username));
  let found = own;
  if (own.length === 0) {
    const byId = new Map<string, StoredItem>();
    const other = profile.userAttribute === 'account' ? 'username' : 'account';
    const searches =
      username === undefined
        ? [{ service }]
        : [
            { service, [profile.userAttribute]: username },
            { service, [other]: username },
          ];
    for (const attributes of searches) {
      for (const item of search(attributes)) {
        if (byId.has(item.id)) wipe(item.secret);
        else byId.set(item.id, item);
      }
    }
    found = [...byId.values()];
  }
  const ranked: Ranked[] = [];
  for (const item of found) {
    const user = usernameOf(item.attributes, profile);
    if (user === undefined || (username !== undefined && user !== username)) {
      wipe(item.secret);
      continue;
    }
    ranked.push({
      item,
      username: user,
      own: Object.entries(profile.lookupAttributes(service, user)).every(([k, v]) => item.attributes[k] === v),
      exact: isExactlyProfile(item.attributes, profile, service, user),
    });
  }
  const rank = (entry: Ranked) => [Number(!entry.own), Number(!entry.exact), -entry.item.modified];
  return ranked.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
}

function take(ranked: Ranked[], path: string): Credential | null {
  const [best, ...rest] = ranked;
  for (const other of rest) wipe(other.item.secret);
  if (!best) return null;
  return {
    username: best.username,
    password: decodePassword(Buffer.from(best.item.secret), fileItemPath(path, best.item)),
  };
}

/** The credential for the service and user (or the best of any user), or null. */
export async function readFileCredential(query: FileQuery): Promise<Credential | null> {
  return take(await searchRanked(query), query.file.path);
}

/** One read of the file, then the searches of `candidates` on it (only what they find is decrypted). */
async function searchRanked(query: FileQuery): Promise<Ranked[]> {
  return candidates(await query.file.reader(), query);
}

/** One credential per user of the service (the best item of each), in user-name order. */
export async function readFileCredentials(query: FileQuery): Promise<Credential[]> {
  const ranked = await searchRanked(query);
  const best = new Map<string, Ranked>();
  for (const entry of ranked) {
    if (best.has(entry.username)) wipe(entry.item.secret);
    else best.set(entry.username, entry);
  }
  return [...best.values()]
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
    .map((entry) => ({
      username: entry.username,
      password: decodePassword(Buffer.from(entry.item.secret), fileItemPath(query.file.path, entry.item)),
    }));
}

/** Stores the password under the profile: updates the profile's own items, or creates one. */
export async function storeFilePassword(
  query: FileQuery & { username: string },
  password: string,
): Promise<StoreResult> {
  const { file, profile, service, username } = query;
  const secret = new TextEncoder().encode(password);
  try {
    return await file.transaction((draft) => {
      const own = draft.search(profile.lookupAttributes(service, username));
      for (const item of own) wipe(item.secret);
      if (own.length === 0) {
        const id = draft.create({
          attributes: profile.writeAttributes(service, username),
          label: profile.label(service, username),
          secret,
          contentType: profile.contentType,
        });
        return {
          itemPath: fileItemPath(file.path, id),
          action: 'created' as const,
          updated: 0,
          removedDuplicates: 0,
        };
      }
      let exactSeen = false;
      let updated = 0;
      let removedDuplicates = 0;
      for (const item of own) {
        const exact = isExactlyProfile(item.attributes, profile, service, username);
        if (exact && exactSeen) {
          draft.remove(item.id);
          removedDuplicates++;
          continue;
        }
        exactSeen ||= exact;
        draft.setSecret(item.id, secret, profile.contentType);
        updated++;
      }
      return {
        itemPath: fileItemPath(file.path, own[0]),
        action: 'updated' as const,
        updated,
        removedDuplicates,
      };
    });
  } finally {
    wipe(secret);
  }
}

/** Deletes every item a read could return for the service and user; how many there were. */
export async function removeFilePassword(query: FileQuery & { username: string }): Promise<number> {
  return query.file.transaction((draft) => {
    const found = candidates(draft.search, query);
    for (const entry of found) {
      wipe(entry.item.secret);
      draft.remove(entry.item.id);
    }
    return found.length;
  });
}

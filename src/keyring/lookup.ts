/**
 * Finding the items that hold a password, whichever tool wrote them: every item with the service and the user under
 * `username` or `account`, in every collection (or one), ranked so that the one a reader should use comes first.
 *
 * The profile's own items (those matching its lookup attributes, as its tool searches) outrank every other tool's,
 * so an operation that finds one or more of them needs nothing else: one search, as libsecret's lookup. The other
 * tools' items are searched for only when the profile has none.
 */
import type { Connection } from '../connection.js';
import { ItemNotFoundException } from '../errors.js';
import { Item } from '../item.js';
import { defaultCollectionPath, searchItemPaths } from '../service.js';
import { isExactlyProfile, isReadByItsTool, usernameOf, type AttributeProfile } from './profiles.js';

/** Item paths compared with their numbers as numbers (`…/9` before `…/10`). */
const NEWEST_PATH_FIRST = new Intl.Collator('en', { numeric: true });

export interface Candidate {
  item: Item;
  collectionPath: string;
  attributes: Record<string, string>;
  /** The user name the item stores (`username` or `account`). */
  username: string;
  locked: boolean;
  /** Written by the profile's own tool: its lookup attributes match. */
  ownProfile: boolean;
  /** Exactly the attributes the profile writes. */
  exact: boolean;
}

export interface CandidateQuery {
  service: string;
  /** Absent: every user of the service. */
  username?: string;
  profile: AttributeProfile;
  /** Only items of this collection (an object path). */
  collectionPath?: string;
}

/** An item a search found, before anything else about it is read. */
export interface Match {
  path: string;
  locked: boolean;
  /**
   * Certainly holds this service and user, so its attributes need not be read to know it belongs: found by the
   * profile's lookup attributes, or by the service and the profile's own user attribute.
   */
  certain: boolean;
}

/** The collection an item path belongs to (`/org/freedesktop/secrets/collection/login/7` → `…/login`). */
export function collectionOf(itemPath: string): string {
  return itemPath.slice(0, itemPath.lastIndexOf('/'));
}

/** The items matching any of `searches`, in `collectionPath` if given (a path found twice counts once). */
async function searchAll(
  connection: Connection,
  searches: { attributes: Record<string, string>; certain: boolean }[],
  collectionPath: string | undefined,
): Promise<Match[]> {
  const results = await Promise.all(searches.map(({ attributes }) => searchItemPaths(connection, attributes)));
  const matches = new Map<string, Match>();
  results.forEach((found, index) => {
    const { certain } = searches[index];
    const add = (path: string, locked: boolean) => {
      const match = matches.get(path);
      if (match) match.certain ||= certain;
      else matches.set(path, { path, locked, certain });
    };
    for (const path of found.unlocked) add(path, false);
    for (const path of found.locked) add(path, true);
  });
  return [...matches.values()].filter(
    (match) => collectionPath === undefined || collectionOf(match.path) === collectionPath,
  );
}

/** The profile's own items for the service and user: what its tool's lookup finds. */
export function searchOwnMatches(
  connection: Connection,
  query: CandidateQuery & { username: string },
): Promise<Match[]> {
  const attributes = query.profile.lookupAttributes(query.service, query.username);
  return searchAll(connection, [{ attributes, certain: true }], query.collectionPath);
}

/**
 * Every tool's items for the service (and user): the service with the user under `username` and under `account`
 * (the profile's own lookup attributes add to one of these, so its items are among the results).
 */
export function searchAllMatches(connection: Connection, query: CandidateQuery): Promise<Match[]> {
  const { service, username, profile } = query;
  if (username === undefined)
    return searchAll(connection, [{ attributes: { service }, certain: false }], query.collectionPath);
  // Certain: the profile's own lookup, and `{service, username}`, which the keyring family reads whatever the item's
  // schema. An `account` item found without libsecret's generic schema may be another application's: its attributes
  // are read (see isReadByItsTool).
  const searches: { attributes: Record<string, string>; certain: boolean }[] = [
    { attributes: { service, username }, certain: profile.userAttribute === 'username' },
    { attributes: { service, account: username }, certain: false },
  ];
  if (profile.userAttribute === 'account') {
    searches.push({ attributes: profile.lookupAttributes(service, username), certain: true });
  }
  return searchAll(connection, searches, query.collectionPath);
}

/**
 * The items a read of one user's password chooses from, described and ranked (see {@link describeMatches}): the
 * profile's own items if it has any, else every other tool's. When there is exactly one own item it is returned
 * undescribed (`sole`), as nothing has to be read to know it is the one.
 */
export async function findForRead(
  connection: Connection,
  query: CandidateQuery & { username: string },
): Promise<{ sole: Match } | { candidates: Candidate[] }> {
  const own = await searchOwnMatches(connection, query);
  if (own.length === 1) return { sole: own[0] };
  const matches = own.length > 0 ? own : await searchAllMatches(connection, query);
  return { candidates: await describeMatches(connection, query, matches) };
}

/**
 * The matches described and ranked, best first: the profile's own items before other tools', unlocked before
 * locked, exact before merely matching, the default collection first, newest first. Items that turn out not to
 * hold the service and user (or were deleted meanwhile) are left out.
 */
export async function describeMatches(
  connection: Connection,
  query: CandidateQuery,
  matches: Match[],
): Promise<Candidate[]> {
  // The default alias and modification times only order several candidates: one needs neither.
  const ranking = matches.length > 1;
  const [defaultPath, described] = await Promise.all([
    ranking ? defaultCollectionPath(connection) : undefined,
    Promise.all(matches.map((match) => describe(connection, query, match, ranking))),
  ]);
  const candidates = described.filter((entry) => entry !== undefined);
  const rank = (entry: { candidate: Candidate; modified: number }) => [
    ...[!entry.candidate.ownProfile, entry.candidate.locked, !entry.candidate.exact].map(Number),
    Number(entry.candidate.collectionPath !== defaultPath),
  ];
  return candidates
    .sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
      if (a.modified !== b.modified) return b.modified - a.modified;
      // Modified in the same second: the later path first (gnome-keyring numbers items as it creates them, so
      // …/10 is newer than …/9); on any server, the same order every time.
      return NEWEST_PATH_FIRST.compare(b.candidate.item.itemPath, a.candidate.item.itemPath);
    })
    .map((entry) => entry.candidate);
}

async function describe(
  connection: Connection,
  query: CandidateQuery,
  match: Match,
  withModified: boolean,
): Promise<{ candidate: Candidate; modified: number } | undefined> {
  const item = new Item(connection, match.path);
  let attributes: Record<string, string>;
  let modified: number;
  try {
    [attributes, modified] = await Promise.all([item.getAttributes(), withModified ? item.getModified() : 0]);
  } catch (error) {
    // Deleted by someone else between the search and now.
    if (error instanceof ItemNotFoundException) return undefined;
    throw error;
  }
  const username = usernameOf(attributes, query.profile);
  if (username === undefined || attributes.service !== query.service) return undefined;
  if (query.username !== undefined && username !== query.username) return undefined;
  if (!isReadByItsTool(attributes, username)) return undefined;
  return {
    candidate: {
      item,
      collectionPath: collectionOf(match.path),
      attributes,
      username,
      locked: match.locked,
      ownProfile: Object.entries(query.profile.lookupAttributes(query.service, username)).every(
        ([key, value]) => attributes[key] === value,
      ),
      exact: isExactlyProfile(attributes, query.profile, query.service, username),
    },
    modified,
  };
}

/** Every item holding a password for the service (and user), best first (see {@link describeMatches}). */
export async function findCandidates(connection: Connection, query: CandidateQuery): Promise<Candidate[]> {
  return describeMatches(connection, query, await searchAllMatches(connection, query));
}

/** The best candidate per user name, in user-name order. */
export function bestPerUser(candidates: Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const candidate of candidates) if (!best.has(candidate.username)) best.set(candidate.username, candidate);
  return [...best.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

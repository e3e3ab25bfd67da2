/**
 * Finding the items that hold a password, whichever tool wrote them: every item with the service and the user under
 * `username` or `account`, in every collection (or one), ranked so that the one a reader should use comes first.
 */
import type { Connection } from '../connection.js';
import { ItemNotFoundException } from '../errors.js';
import { Item } from '../item.js';
import { getCollectionByAlias, searchItemPaths } from '../service.js';
import { isExactlyProfile, usernameOf, type AttributeProfile } from './profiles.js';

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

/** An item the searches found, before anything else about it is read. */
export interface Match {
  path: string;
  locked: boolean;
  /**
   * Found by the search on the service and the profile's own user attribute (`username`, or `account` for keytar),
   * so it certainly holds this service and user: its attributes need not be read to know it belongs.
   */
  byUserAttribute: boolean;
}

/** The collection an item path belongs to (`/org/freedesktop/secrets/collection/login/7` → `…/login`). */
export function collectionOf(itemPath: string): string {
  return itemPath.slice(0, itemPath.lastIndexOf('/'));
}

/** The object path behind the `default` alias, or undefined when no collection has it. */
export async function defaultCollectionPath(connection: Connection): Promise<string | undefined> {
  try {
    return (await getCollectionByAlias(connection, 'default')).collectionPath;
  } catch (error) {
    if (error instanceof ItemNotFoundException) return undefined;
    throw error;
  }
}

/**
 * The searches that find every tool's item: the service with the user under the profile's attribute, and under the
 * other one (keytar says `account`, the others `username`). The profile's own lookup attributes need no search of
 * their own: they add to one of these two, so their items are among its results.
 */
function searchQueries(query: CandidateQuery): { attributes: Record<string, string>; byUserAttribute: boolean }[] {
  const { service, username, profile } = query;
  if (username === undefined) return [{ attributes: { service }, byUserAttribute: false }];
  const other = profile.userAttribute === 'account' ? 'username' : 'account';
  return [
    { attributes: { service, [profile.userAttribute]: username }, byUserAttribute: true },
    { attributes: { service, [other]: username }, byUserAttribute: false },
  ];
}

/** Every item the searches find for the service (and user), in the query's collection if it names one. */
export async function searchMatches(connection: Connection, query: CandidateQuery): Promise<Match[]> {
  const queries = searchQueries(query);
  const searches = await Promise.all(queries.map(({ attributes }) => searchItemPaths(connection, attributes)));
  const matches = new Map<string, Match>();
  searches.forEach((found, index) => {
    const { byUserAttribute } = queries[index];
    const add = (path: string, locked: boolean) => {
      const match = matches.get(path);
      if (match) match.byUserAttribute ||= byUserAttribute;
      else matches.set(path, { path, locked, byUserAttribute });
    };
    for (const path of found.unlocked) add(path, false);
    for (const path of found.locked) add(path, true);
  });
  return [...matches.values()].filter(
    (match) => query.collectionPath === undefined || collectionOf(match.path) === query.collectionPath,
  );
}

/**
 * The item an operation can use without reading anything more about it, when there is exactly one: the only
 * match, unlocked, found by the profile's own user attribute. (With several, they must be ranked; with one found
 * only under the other attribute, its attributes decide whether it belongs.)
 */
export function soleCertainMatch(matches: Match[]): Match | undefined {
  const [only] = matches;
  return matches.length === 1 && !only.locked && only.byUserAttribute ? only : undefined;
}

/**
 * Whether the profile's own tool reads every item found by the profile's user attribute: true when its lookup
 * attributes are just the service and that attribute (Python keyring, keyring-rs; keytar also looks for
 * `xdg:schema`).
 */
export function profileReadsEveryUserMatch(profile: AttributeProfile): boolean {
  return Object.keys(profile.lookupAttributes('service', 'user')).length === 2;
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
      const [pa, pb] = [a.candidate.item.itemPath, b.candidate.item.itemPath];
      return pa < pb ? -1 : pa > pb ? 1 : 0;
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
  return describeMatches(connection, query, await searchMatches(connection, query));
}

/** The best candidate per user name, in user-name order. */
export function bestPerUser(candidates: Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const candidate of candidates) if (!best.has(candidate.username)) best.set(candidate.username, candidate);
  return [...best.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

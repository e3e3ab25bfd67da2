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
  inDefaultCollection: boolean;
  /** Unix seconds. */
  modified: number;
}

export interface CandidateQuery {
  service: string;
  /** Absent: every user of the service. */
  username?: string;
  profile: AttributeProfile;
  /** Only items of this collection (an object path). */
  collectionPath?: string;
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

function searchQueries(query: CandidateQuery): Record<string, string>[] {
  const { service, username, profile } = query;
  if (username === undefined) return [{ service }];
  return [profile.lookupAttributes(service, username), { service, username }, { service, account: username }];
}

/**
 * Every item holding a password for the service (and user), best first: the profile's own items before other
 * tools', unlocked before locked, exact before merely matching, the default collection first, newest first.
 */
export async function findCandidates(connection: Connection, query: CandidateQuery): Promise<Candidate[]> {
  const locked = new Map<string, boolean>();
  const searches = await Promise.all(searchQueries(query).map((attributes) => searchItemPaths(connection, attributes)));
  for (const found of searches) {
    for (const path of found.unlocked) locked.set(path, false);
    for (const path of found.locked) if (!locked.has(path)) locked.set(path, true);
  }
  const paths = [...locked.keys()].filter(
    (path) => query.collectionPath === undefined || collectionOf(path) === query.collectionPath,
  );
  if (paths.length === 0) return [];
  const defaultPath = await defaultCollectionPath(connection);
  const candidates = await Promise.all(
    paths.map(async (path): Promise<Candidate | undefined> => {
      const item = new Item(connection, path);
      let attributes: Record<string, string>;
      let modified: number;
      try {
        [attributes, modified] = await Promise.all([item.getAttributes(), item.getModified()]);
      } catch (error) {
        // Deleted by someone else between the search and now.
        if (error instanceof ItemNotFoundException) return undefined;
        throw error;
      }
      const username = usernameOf(attributes, query.profile);
      if (username === undefined || attributes.service !== query.service) return undefined;
      if (query.username !== undefined && username !== query.username) return undefined;
      return {
        item,
        collectionPath: collectionOf(path),
        attributes,
        username,
        locked: locked.get(path)!,
        ownProfile: Object.entries(query.profile.lookupAttributes(query.service, username)).every(
          ([key, value]) => attributes[key] === value,
        ),
        exact: isExactlyProfile(attributes, query.profile, query.service, username),
        inDefaultCollection: collectionOf(path) === defaultPath,
        modified,
      };
    }),
  );
  return candidates.filter((candidate) => candidate !== undefined).sort(compareCandidates);
}

function compareCandidates(a: Candidate, b: Candidate): number {
  const flags = (c: Candidate) => [!c.ownProfile, c.locked, !c.exact, !c.inDefaultCollection].map(Number);
  const [fa, fb] = [flags(a), flags(b)];
  for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) return fa[i] - fb[i];
  if (a.modified !== b.modified) return b.modified - a.modified;
  return a.item.itemPath < b.item.itemPath ? -1 : a.item.itemPath > b.item.itemPath ? 1 : 0;
}

/** The best candidate per user name, in user-name order. */
export function bestPerUser(candidates: Candidate[]): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const candidate of candidates) if (!best.has(candidate.username)) best.set(candidate.username, candidate);
  return [...best.values()].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

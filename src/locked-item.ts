/**
 * KeePassXC does not export the items of a locked database: a call on one fails with UnknownObject, which would read
 * as "deleted". When the item's collection reports itself locked, the error becomes the LockedException that
 * gnome-keyring's IsLocked gives for the same situation.
 */
import type { Connection } from './connection.js';
import { COLLECTION_IFACE } from './defines.js';
import { ItemNotFoundException, LockedException } from './errors.js';

/** `error`, or a LockedException in its place when it is a missing item whose collection is locked. */
export async function lockedInsteadOfMissing(
  connection: Connection,
  itemPath: string,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof ItemNotFoundException)) return error;
  const collectionPath = itemPath.slice(0, itemPath.lastIndexOf('/'));
  const locked = await connection.getProperty(collectionPath, COLLECTION_IFACE, 'Locked', 'b').catch(() => undefined);
  if (locked !== true) return error;
  return new LockedException(
    `${itemPath} is out of reach while its collection ${collectionPath} is locked (KeePassXC does not export the ` +
      'items of a locked database); call unlock() first.',
    { dbusName: error.dbusName },
  );
}

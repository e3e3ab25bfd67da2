/**
 * Unlocking what an operation needs (collections, or items, which the service unlocks with their collection) through
 * the service's prompt, and saying exactly why when that is impossible (no desktop to show the prompt on, or nobody
 * answered it) instead of pretending nothing is there. The password API and user-secrets both go through it.
 */
import { Collection } from './collection.js';
import type { Connection } from './connection.js';
import { LockedException, PromptDismissedException, SecretStorageError, TimeoutException } from './errors.js';
import type { PromptOptions } from './prompt.js';
import { unlockObjects } from './prompted-calls.js';

/** Whether this process has a graphical session a keyring could show its prompt in. */
export function hasGraphicalSession(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** The collection an object belongs to: itself, or an item's collection (`…/collection/login/7` → `…/login`). */
function collectionOfObject(path: string): string {
  const parts = path.split('/');
  return parts.length > 6 && parts[4] === 'collection' ? parts.slice(0, 6).join('/') : path;
}

async function describeCollections(connection: Connection, paths: string[]): Promise<string> {
  const labels = await Promise.all(
    paths.map((path) =>
      new Collection(connection, path).getLabel().then(
        (label) => `"${label}" (${path})`,
        () => path,
      ),
    ),
  );
  return labels.join(', ');
}

/** How to unlock `paths` without a prompt: shown whenever a prompt failed or cannot be shown. */
export function unlockHint(paths: string[]): string {
  const commands = (paths.length ? paths : [undefined])
    .map((path) => `\`secretstorage unlock${path ? ` --collection ${path}` : ''} --with-password\``)
    .join(', ');
  return (
    `Unlock with the collection's password: ${commands} (gnome-keyring, oo7), or start the keyring unlocked ` +
    '(`printf %s "$PASSWORD" | gnome-keyring-daemon --unlock --components=secrets`).'
  );
}

/**
 * Unlocks the collections or items at `paths` (one prompt for all), so that `what` can go on.
 * @param afterwards appended to the error's message (e.g. `Nothing was changed.`).
 * @throws LockedException when the prompt was dismissed or the service left them locked; TimeoutException when the
 *   prompt was not answered in time (it was dismissed); both messages name the collections, say why, and how to unlock
 *   without a prompt.
 */
export async function unlockForUse(
  connection: Connection,
  paths: string[],
  what: string,
  prompt: PromptOptions = {},
  afterwards?: string,
): Promise<void> {
  const objects = [...new Set(paths)];
  if (objects.length === 0) return;
  const collections = [...new Set(objects.map(collectionOfObject))];
  try {
    await unlockObjects(connection, objects, prompt);
  } catch (error) {
    if (
      !(error instanceof SecretStorageError) ||
      !(
        error instanceof PromptDismissedException ||
        error instanceof TimeoutException ||
        error instanceof LockedException
      )
    ) {
      throw error;
    }
    if (prompt.signal?.aborted && prompt.signal.reason !== error) throw prompt.signal.reason;
    const names = await describeCollections(connection, collections).catch(() => collections.join(', '));
    const headless = hasGraphicalSession()
      ? ''
      : ' This process has no graphical session (DISPLAY and WAYLAND_DISPLAY are unset), so the keyring cannot show ' +
        (error instanceof TimeoutException
          ? 'its unlock prompt here, and nobody could answer it.'
          : 'its unlock prompt here: gnome-keyring dismisses it at once.');
    const how =
      error instanceof TimeoutException
        ? 'the unlock was not answered in time (a prompt it had opened was dismissed).'
        : error instanceof PromptDismissedException
          ? 'its unlock prompt was dismissed.'
          : 'the Secret Service left it locked.';
    const message =
      `${what} needs the locked collection ${names}, and ${how}${headless} ${unlockHint(collections)}` +
      (afterwards ? ` ${afterwards}` : '');
    const Type = error instanceof TimeoutException ? TimeoutException : LockedException;
    throw new Type(message, { dbusName: error.dbusName, cause: error });
  }
}

/** The service calls that may answer with a prompt instead of a result (Lock, Unlock, Delete), run to the end. */
import type { Connection } from './connection.js';
import { COLLECTION_IFACE, INVALID_ARGS_ERROR, ITEM_IFACE, NO_OBJECT, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { LockedException, PromptDismissedException, SecretStorageError, TimeoutException } from './errors.js';
import { dismissPrompt, runPrompt, type PromptOptions } from './prompt.js';
import { abortable, withinDeadline } from './abortable.js';
import { assertObjectPaths, checkPromptOptions } from './validate.js';

async function lockOrUnlock(
  connection: Connection,
  member: 'Lock' | 'Unlock',
  paths: string[],
  options: PromptOptions,
): Promise<string[]> {
  assertObjectPaths('paths', paths);
  checkPromptOptions(options);
  const { signal } = options;
  if (signal?.aborted) throw signal.reason; // aborted before it started: nothing is sent
  // Unlock can block while the service shows a dialog (KeePassXC), so it gets the prompt's deadline when there is
  // one (the call's otherwise), and the caller's signal ends it as it would end the prompt.
  const timeoutMs = member === 'Unlock' ? (options.timeoutMs ?? connection.promptTimeoutMs) : undefined;
  const deadline = timeoutMs ?? connection.callTimeoutMs;
  const what = `Service.${member} on ${SERVICE_PATH}`;
  // Given up on while the call is out (its deadline passed, or the caller aborted), the call is still listened to for
  // as long again: the prompt it answers with later is nobody's and is dismissed when it comes (a KeePassXC dialog
  // would stay up otherwise). Without a deadline, the caller's abort drops the call at once rather than keep it for
  // ever.
  const limited = deadline > 0 && Number.isFinite(deadline);
  let gaveUp = false;
  const calling = connection.call(SERVICE_PATH, SERVICE_IFACE, member, 'ao', [paths], {
    replySignature: 'aoo',
    timeoutMs: limited ? 2 * deadline : timeoutMs,
    signal: limited ? undefined : signal,
  }) as Promise<[string[], string]>;
  let answer = calling;
  if (limited) {
    calling.then(
      ([, prompt]) => {
        if (gaveUp && prompt !== NO_OBJECT) void dismissPrompt(connection, prompt);
      },
      () => undefined,
    );
    answer = withinDeadline(
      signal ? abortable(calling, signal) : calling,
      deadline,
      () => new TimeoutException(`${what} got no reply within ${deadline} ms.`),
    );
  }
  let done: string[];
  let prompt: string;
  try {
    [done, prompt] = await answer;
  } catch (error) {
    gaveUp = true;
    throw error;
  }
  if (prompt === NO_OBJECT) return done;
  const { value } = await runPrompt(connection, prompt, `${member} of ${paths.join(', ')}`, 'ao', options);
  return [...done, ...(value as string[])];
}

/**
 * Unlocks the objects (collections or items), showing the service's prompt if it needs one. What the service's
 * answer leaves out is asked about (its `Locked` property): an object it did not list but reports unlocked is.
 * @throws PromptDismissedException if the user dismissed the prompt, TimeoutException, LockedException if the
 *   service still reports an object as locked, ItemNotFoundException for one that does not exist.
 */
export async function unlockObjects(
  connection: Connection,
  paths: string[],
  options: PromptOptions = {},
): Promise<void> {
  const unlocked = await lockOrUnlock(connection, 'Unlock', paths, options);
  const unlisted = paths.filter((path) => !unlocked.includes(path));
  if (unlisted.length === 0) return;
  const states = await lockStates(connection, unlisted);
  const still = unlisted.filter((_, i) => states[i] !== false);
  if (still.length) {
    throw new LockedException(`The Secret Service did not unlock ${still.join(', ')}.`);
  }
}

/**
 * The `Locked` property of each object (collection or item).
 * @throws ItemNotFoundException for one that does not exist.
 */
function lockStates(connection: Connection, paths: string[]): Promise<unknown[]> {
  return Promise.all(
    paths.map((path) =>
      connection.getProperty(path, COLLECTION_PATH.test(path) ? COLLECTION_IFACE : ITEM_IFACE, 'Locked', 'b'),
    ),
  );
}

/** Attempts at a Lock that KeePassXC dismisses because it is saving (see lockObjects), and the pause between them. */
const LOCK_ATTEMPTS = 5;
const LOCK_RETRY_PAUSE_MS = 250;

/**
 * Locks the objects, running the prompt some services (KeePassXC) return for it. Two servers answer a Lock in ways
 * that do not mean what they say, so a failed Lock is checked against the objects' `Locked` property:
 * - KWallet refuses to lock a collection it reports locked (InvalidArgs "Can't lock object"): already what was asked.
 * - KeePassXC dismisses the prompt of a Lock that arrives while it saves the database (a few hundred ms after a
 *   write), and locks a moment later anyway: the Lock is sent again, up to LOCK_ATTEMPTS times, until the objects
 *   are locked. A prompt that keeps being dismissed (a dialog left open makes KeePassXC dismiss every Lock) still
 *   ends with PromptDismissedException.
 * Objects the service does not list as locked are checked the same way: a Lock answered with fewer objects than it
 * was given does not pass for a locked keyring.
 * @throws PromptDismissedException, TimeoutException, and the call's errors when the objects are not locked;
 *   SecretStorageError when the service still reports one unlocked; ItemNotFoundException when one does not exist.
 */
export async function lockObjects(connection: Connection, paths: string[], options: PromptOptions = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let locked: string[];
    try {
      locked = await lockOrUnlock(connection, 'Lock', paths, options);
    } catch (error) {
      const refused = error instanceof SecretStorageError && error.dbusName === INVALID_ARGS_ERROR;
      const dismissed = error instanceof PromptDismissedException && !options.signal?.aborted;
      if (!refused && !dismissed) throw error;
      if (await allLocked(connection, paths)) return;
      if (!dismissed || attempt >= LOCK_ATTEMPTS) throw error;
      await pause(LOCK_RETRY_PAUSE_MS, options.signal);
      continue;
    }
    // What the service does not list as locked is asked about: a Lock answered with fewer objects than it was given
    // must not pass for a locked keyring.
    const unlisted = paths.filter((path) => !locked.includes(path));
    if (unlisted.length > 0) await assertLocked(connection, unlisted);
    return;
  }
}

/**
 * Throws unless every object reports `Locked`.
 * @throws ItemNotFoundException for an object that does not exist; SecretStorageError naming those still unlocked.
 */
async function assertLocked(connection: Connection, paths: string[]): Promise<void> {
  const states = await lockStates(connection, paths);
  const open = paths.filter((_, i) => states[i] !== true);
  if (open.length > 0) {
    throw new SecretStorageError(
      `The Secret Service did not lock ${open.join(', ')}: it still reports ${open.length === 1 ? 'it' : 'them'} unlocked.`,
    );
  }
}

/** Whether every object (collection or item) reports `Locked`; false when one cannot be read. */
async function allLocked(connection: Connection, paths: string[]): Promise<boolean> {
  const states = await lockStates(connection, paths).catch(() => [false]);
  return states.every((locked) => locked === true);
}

/** A collection's path (or an alias's), as opposed to an item's, which has one more element. */
const COLLECTION_PATH = /^\/org\/freedesktop\/secrets\/(collection|aliases)\/[^/]+$/;

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const waiting = new Promise<void>((resolve) => setTimeout(resolve, ms));
  return signal ? abortable(waiting, signal) : waiting;
}

/** Runs the prompt of a `Delete` call, if it returned one. */
export async function deleteObject(
  connection: Connection,
  path: string,
  iface: string,
  options: PromptOptions = {},
): Promise<void> {
  checkPromptOptions(options);
  if (options.signal?.aborted) throw options.signal.reason; // aborted before it started: nothing is deleted
  const [prompt] = (await connection.call(path, iface, 'Delete', '', [], { replySignature: 'o' })) as [string];
  if (prompt !== NO_OBJECT) await runPrompt(connection, prompt, `Delete of ${path}`, undefined, options);
}

/** The service calls that may answer with a prompt instead of a result (Lock, Unlock, Delete), run to the end. */
import type { Connection } from './connection.js';
import { COLLECTION_IFACE, INVALID_ARGS_ERROR, ITEM_IFACE, NO_OBJECT, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { LockedException, PromptDismissedException, SecretStorageError } from './errors.js';
import { dismissPrompt, runPrompt, type PromptOptions } from './prompt.js';
import { abortable } from './abortable.js';
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
  // Aborted while the call is out: the prompt it answers with later is nobody's, so it is dismissed when it comes
  // (a KeePassXC dialog would stay up otherwise). The call is waited for only within its own deadline: with none,
  // it is dropped at once rather than kept for ever.
  const awaitLateReply = signal !== undefined && deadline > 0 && Number.isFinite(deadline);
  const calling = connection.call(SERVICE_PATH, SERVICE_IFACE, member, 'ao', [paths], {
    replySignature: 'aoo',
    timeoutMs,
    signal: awaitLateReply ? undefined : signal,
  }) as Promise<[string[], string]>;
  if (awaitLateReply) {
    calling.then(
      ([, prompt]) => {
        if (signal.aborted && prompt !== NO_OBJECT) void dismissPrompt(connection, prompt);
      },
      () => undefined,
    );
  }
  const [done, prompt] = await (awaitLateReply ? abortable(calling, signal) : calling);
  if (prompt === NO_OBJECT) return done;
  const { value } = await runPrompt(connection, prompt, `${member} of ${paths.join(', ')}`, 'ao', options);
  return [...done, ...(value as string[])];
}

/**
 * Unlocks the objects (collections or items), showing the service's prompt if it needs one.
 * @throws PromptDismissedException if the user dismissed the prompt, TimeoutException, LockedException if the
 *   service still reports an object as locked.
 */
export async function unlockObjects(
  connection: Connection,
  paths: string[],
  options: PromptOptions = {},
): Promise<void> {
  const unlocked = await lockOrUnlock(connection, 'Unlock', paths, options);
  const missing = paths.filter((path) => !unlocked.includes(path));
  if (missing.length) {
    throw new LockedException(`The Secret Service did not unlock ${missing.join(', ')}.`);
  }
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
 * @throws PromptDismissedException, TimeoutException, and the call's errors when the objects are not locked.
 */
export async function lockObjects(connection: Connection, paths: string[], options: PromptOptions = {}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lockOrUnlock(connection, 'Lock', paths, options);
      return;
    } catch (error) {
      const refused = error instanceof SecretStorageError && error.dbusName === INVALID_ARGS_ERROR;
      const dismissed = error instanceof PromptDismissedException && !options.signal?.aborted;
      if (!refused && !dismissed) throw error;
      if (await allLocked(connection, paths)) return;
      if (!dismissed || attempt >= LOCK_ATTEMPTS) throw error;
      await pause(LOCK_RETRY_PAUSE_MS, options.signal);
    }
  }
}

/** Whether every object (collection or item) reports `Locked`; false when one cannot be read. */
async function allLocked(connection: Connection, paths: string[]): Promise<boolean> {
  const states = await Promise.all(
    paths.map((path) =>
      connection
        .getProperty(path, COLLECTION_PATH.test(path) ? COLLECTION_IFACE : ITEM_IFACE, 'Locked', 'b')
        .catch(() => false),
    ),
  );
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

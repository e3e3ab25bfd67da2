/** The service calls that may answer with a prompt instead of a result (Lock, Unlock, Delete), run to the end. */
import type { Connection } from './connection.js';
import { NO_OBJECT, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { LockedException } from './errors.js';
import { runPrompt, type PromptOptions } from './prompt.js';
import { assertObjectPaths, checkPromptOptions } from './validate.js';

async function lockOrUnlock(
  connection: Connection,
  member: 'Lock' | 'Unlock',
  paths: string[],
  options: PromptOptions,
): Promise<string[]> {
  assertObjectPaths('paths', paths);
  checkPromptOptions(options);
  const [done, prompt] = (await connection.call(SERVICE_PATH, SERVICE_IFACE, member, 'ao', [paths], {
    replySignature: 'aoo',
    // Unlock can block while the service shows a dialog (KeePassXC), so it gets the prompt's deadline when there is
    // one (the call's otherwise), and the caller's signal ends it as it would end the prompt.
    timeoutMs: member === 'Unlock' ? (options.timeoutMs ?? connection.promptTimeoutMs) : undefined,
    signal: options.signal,
  })) as [string[], string];
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

/** Locks the objects, running the prompt some services (KeePassXC) return for it. */
export async function lockObjects(connection: Connection, paths: string[], options: PromptOptions = {}): Promise<void> {
  await lockOrUnlock(connection, 'Lock', paths, options);
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

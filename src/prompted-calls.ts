/** The service calls that may answer with a prompt instead of a result (Lock, Unlock, Delete), run to the end. */
import type { Connection } from './connection.js';
import { NO_OBJECT, SERVICE_IFACE, SERVICE_PATH } from './defines.js';
import { LockedException } from './errors.js';
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

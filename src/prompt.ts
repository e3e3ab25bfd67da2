/**
 * Running a Secret Service prompt: subscribe to its `Completed` signal (bus match rule plus our own filter on path
 * and sender) before calling `Prompt('')`, then wait for it, for the deadline, for the caller's AbortSignal, for the
 * service to vanish, or for the connection to close. A prompt given up on is dismissed. The match rule is always
 * removed again.
 */
import { isVariant } from './dbus/codec.js';
import type { Connection } from './connection.js';
import { matchRule } from './dbus/signal-filter.js';
import { PROMPT_IFACE } from './defines.js';
import {
  ConnectionClosedError,
  NoBackendError,
  PromptDismissedException,
  ProtocolError,
  TimeoutException,
} from './errors.js';
import { timerDelay } from './timer-delay.js';

export interface PromptOptions {
  /** Milliseconds to wait for the user; on expiry the prompt is dismissed and TimeoutException thrown. */
  timeoutMs?: number;
  /** Aborting dismisses the prompt and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface PromptResult {
  /** The `v` result of `Completed`, checked against the signature the operation expects. */
  value: unknown;
}

/**
 * Dismisses a prompt, ignoring errors: it may have completed meanwhile (the Dismiss/Completed race). Resolves once the
 * service has answered (so that a caller told "dismissed" can rely on it), or after 2 s when it does not.
 */
export async function dismissPrompt(connection: Connection, promptPath: string): Promise<void> {
  if (connection.bus.closed) return;
  await connection.call(promptPath, PROMPT_IFACE, 'Dismiss', '', [], { timeoutMs: 2000 }).catch(() => undefined);
}

/** How many prompts are open under each AbortSignal that would dismiss them (see {@link hasOpenPrompt}). */
const openPrompts = new WeakMap<AbortSignal, number>();

/**
 * Whether a prompt is open under `signal`: aborting it then dismisses the prompt and fails the wait with a precise
 * error a moment later, which the password API waits for; with no prompt open, there is nothing to wait for.
 */
export function hasOpenPrompt(signal: AbortSignal): boolean {
  return (openPrompts.get(signal) ?? 0) > 0;
}

/**
 * Runs the prompt at `promptPath` for `what` (an operation name for messages) and returns its result, which must be
 * a variant of `resultSignature` (`o` for creations, `ao` for lock and unlock, anything for deletions).
 * @throws PromptDismissedException when the user dismissed it, TimeoutException when `timeoutMs` passed,
 *   NoBackendError when the service went away (ConnectionClosedError when the connection closed), ProtocolError for a result of the wrong type.
 */
export async function runPrompt(
  connection: Connection,
  promptPath: string,
  what: string,
  resultSignature: string | undefined,
  options: PromptOptions = {},
): Promise<PromptResult> {
  const { signal } = options;
  if (!signal) return waitForPrompt(connection, promptPath, what, resultSignature, options);
  openPrompts.set(signal, (openPrompts.get(signal) ?? 0) + 1);
  try {
    return await waitForPrompt(connection, promptPath, what, resultSignature, options);
  } finally {
    const left = openPrompts.get(signal)! - 1;
    if (left > 0) openPrompts.set(signal, left);
    else openPrompts.delete(signal);
  }
}

async function waitForPrompt(
  connection: Connection,
  promptPath: string,
  what: string,
  resultSignature: string | undefined,
  options: PromptOptions,
): Promise<PromptResult> {
  if (options.signal?.aborted) {
    // The service already made the prompt (it came back from Unlock, CreateItem…): dismiss it rather than leave it.
    await dismissPrompt(connection, promptPath);
    throw options.signal.reason;
  }
  const timeoutMs = options.timeoutMs ?? connection.promptTimeoutMs;
  const bus = connection.bus;
  const owner = await connection.serviceOwner();
  // Believed only from the service's owner (src/dbus decides); the rule is built from checked values only, so a path
  // the service sent cannot add keys to it.
  const completedFilter = { sender: owner, path: promptPath, interface: PROMPT_IFACE, member: 'Completed' };
  let rule: string;
  try {
    rule = matchRule(completedFilter);
  } catch (error) {
    await dismissPrompt(connection, promptPath);
    throw new ProtocolError(`${what}: the service sent a prompt that cannot be watched (${(error as Error).message}).`);
  }

  let cleanup = () => {};
  // Aborted when the wait ends without Completed (timeout, abort, the service gone): Prompt() is then not sent, or
  // its call is given up. Aborted too once the wait is over: a Prompt() reply still due is nobody's.
  const gaveUp = new AbortController();
  const completed = new Promise<{ dismissed: boolean; result: unknown }>((resolve, settleWithError) => {
    const reject = (error: unknown) => {
      gaveUp.abort(error);
      settleWithError(error);
    };
    const stopCompleted = bus.onSignal(completedFilter, (message) => {
      if (message.signature !== 'bv') {
        reject(
          new ProtocolError(`${what}: the prompt's Completed signal has signature "${message.signature}", not "bv".`),
        );
        return;
      }
      resolve({ dismissed: message.body[0] as boolean, result: message.body[1] });
    });
    const stopOwnerWatch = bus.onNameOwnerChanged(connection.serviceName, (oldOwner) => {
      if (oldOwner === owner)
        reject(new NoBackendError(`${what}: the Secret Service exited while its prompt was open.`));
    });
    const stopSignals = () => {
      stopCompleted();
      stopOwnerWatch();
    };
    const stopClose = bus.onClose((error) =>
      reject(new ConnectionClosedError(`${what}: the connection closed while the prompt was open.`, { cause: error })),
    );
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutException(`${what}: the prompt was not answered within ${timeoutMs} ms and was dismissed.`),
          ),
        timerDelay(timeoutMs),
      );
    }
    const onAbort = () => reject(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while we awaited the service owner: the 'abort' event has already fired and will not fire again.
    if (options.signal?.aborted) onAbort();
    cleanup = () => {
      stopSignals();
      stopClose();
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
  });

  // The wait may fail (service gone, connection closed) while Prompt() is still in flight: never leave it unhandled.
  completed.catch(() => undefined);
  let outcome: { dismissed: boolean; result: unknown };
  try {
    await bus.addMatch(rule);
    try {
      // Stopped while the match rule was being added: no dialog is asked for (the catch below dismisses the prompt).
      if (gaveUp.signal.aborted) await completed;
      const prompting = connection.call(promptPath, PROMPT_IFACE, 'Prompt', 's', [''], {
        replySignature: '',
        signal: gaveUp.signal,
      });
      prompting.catch(() => undefined);
      // Whichever settles first decides: Completed (or the reason we stopped waiting), or a failed Prompt() call.
      outcome = await Promise.race([completed, prompting.then(() => completed)]);
    } catch (error) {
      // We gave up (timeout, abort) or the call failed: make sure no dialog stays on screen. Completed may already
      // have fired (the Dismiss/Completed race), so Dismiss errors are expected and ignored.
      gaveUp.abort(error);
      await dismissPrompt(connection, promptPath);
      throw error;
    } finally {
      await bus.removeMatch(rule);
    }
  } finally {
    cleanup();
    gaveUp.abort();
  }

  if (outcome.dismissed) {
    throw new PromptDismissedException(`${what}: the prompt was dismissed.`);
  }
  const result = outcome.result;
  if (resultSignature !== undefined && (!isVariant(result) || result.signature !== resultSignature)) {
    throw new ProtocolError(
      `${what}: the prompt completed with a result of type ${isVariant(result) ? result.signature : 'unknown'} ` +
        `where ${resultSignature} was expected.`,
    );
  }
  return { value: isVariant(result) ? result.value : undefined };
}

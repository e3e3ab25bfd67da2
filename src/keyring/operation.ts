/**
 * The options every password function takes, and running one operation under them: the shared connection (or the
 * caller's), one deadline for the whole operation including prompts, and the caller's AbortSignal.
 */
import type { Connection } from '../connection.js';
import { InvalidArgumentError, TimeoutException } from '../errors.js';
import { hasOpenPrompt, type PromptOptions } from '../prompt.js';
import { timerDelay } from '../timer-delay.js';
import { isAbortSignal } from '../validate.js';
import type { BackendOptions } from '../backend/choose.js';
import { leaseSharedConnection, type Lease } from './shared-connection.js';
import { resolveProfile, type AttributeProfile, type ProfileName } from './profiles.js';

/** How long an aborted operation may take to dismiss its prompt (Dismiss itself is given 2 s by runPrompt). */
const ABORT_GRACE_MS = 2500;

export interface KeyringOptions extends Pick<BackendOptions, 'backend' | 'filePath' | 'filePassword'> {
  /** Attribute profile for writes and for ranking reads: `python-keyring` (default), `keytar` or `keyring-rs`. */
  profile?: ProfileName;
  /**
   * A collection alias (`default`, `session`, `login`) or object path. Writes go there (default: the `default`
   * alias, created if missing); reads and deletes look only there (default: every collection).
   */
  collection?: string;
  /** The whole operation, unlock prompts included, fails with TimeoutException after this many milliseconds. */
  timeoutMs?: number;
  /** Aborting stops the operation (an open prompt is dismissed) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Use this connection instead of the one the password functions share (see shared-connection.ts); it stays open. */
  connection?: Connection;
  /** The bus to use when no `connection` is given (default: the session bus). */
  address?: string;
  /** Where the session bus address and `SECRET_SERVICE_BUS_NAME` are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

export interface OperationContext {
  connection: Connection;
  profile: AttributeProfile;
  /** Options for every prompt the operation runs: they end with the operation's deadline or signal. */
  prompt: PromptOptions;
  /** Throws if the operation was aborted or timed out (checked between steps). */
  checkpoint(): void;
}

/** @throws InvalidArgumentError for options that are not what {@link KeyringOptions} describes. */
export function checkOptions(options: KeyringOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'expected an object such as { profile, collection, timeoutMs, signal }.');
  }
  const { timeoutMs, collection, signal } = options;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) {
    throw new InvalidArgumentError('timeoutMs', 'must be a number of milliseconds > 0.');
  }
  if (collection !== undefined && (typeof collection !== 'string' || collection === '')) {
    throw new InvalidArgumentError('collection', 'expected an alias (default, session, login) or an object path.');
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('signal', 'expected an AbortSignal.');
  }
}

/**
 * Runs `operation` (named `what` in errors) with a connection, the profile and one deadline.
 * @throws InvalidArgumentError for bad options, TimeoutException past `timeoutMs`, the signal's reason on abort,
 *   and whatever the operation throws.
 */
export async function runOperation<T>(
  options: KeyringOptions,
  what: string,
  operation: (context: OperationContext) => Promise<T>,
): Promise<T> {
  checkOptions(options);
  const profile = resolveProfile(options.profile);
  if (options.signal?.aborted) throw options.signal.reason;
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const onCallerAbort = () => abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => abort(new TimeoutException(`${what} did not finish within ${options.timeoutMs} ms.`)),
          timerDelay(options.timeoutMs),
        );
  let lease: Lease | undefined;
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const work = (async () => {
      let connection = options.connection;
      if (!connection) {
        const leased = await leaseSharedConnection({ address: options.address, env: options.env }, controller.signal);
        if (controller.signal.aborted) {
          await leased.release(true);
          throw controller.signal.reason;
        }
        lease = leased;
        connection = leased.connection;
      }
      const checkpoint = () => controller.signal.throwIfAborted();
      checkpoint();
      // With a deadline of the operation's own, that deadline (through the signal) bounds prompts and a blocking
      // Unlock (KeePassXC answers it only once its dialog closes), not the connection's call timeout.
      const prompt = { signal: controller.signal, ...(options.timeoutMs === undefined ? {} : { timeoutMs: 0 }) };
      return operation({ connection, profile, prompt, checkpoint });
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, aborted]);
    } catch (error) {
      if (error !== controller.signal.reason) throw error;
      // An open prompt reacts to the abort by dismissing itself and failing with a more precise error (naming the
      // collection): give it a moment to do so before the connection is released. Anything else (a call the service
      // has not answered) has nothing more to say.
      if (!hasOpenPrompt(controller.signal)) throw error;
      const settled = await Promise.race([
        work.then(
          () => undefined,
          (workError: unknown) => workError,
        ),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ABORT_GRACE_MS).unref()),
      ]);
      throw settled ?? error;
    }
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    // After a timeout or an abort the shared connection is dropped (closed once no other operation uses it), so a
    // call still pending on a hung service cannot keep running or keep the process alive.
    await lease?.release(controller.signal.aborted);
  }
}

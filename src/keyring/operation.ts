/**
 * The options every password function takes, and running one operation under them: its own connection (or the
 * caller's), one deadline for the whole operation including prompts, and the caller's AbortSignal.
 */
import { dbusInit, type Connection } from '../connection.js';
import { InvalidArgumentError, TimeoutException } from '../errors.js';
import type { PromptOptions } from '../prompt.js';
import { resolveProfile, type AttributeProfile, type ProfileName } from './profiles.js';

/** How long an aborted operation may take to dismiss its prompt (Dismiss itself is given 2 s by runPrompt). */
const ABORT_GRACE_MS = 2500;

export interface KeyringOptions {
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
  /** Use this connection instead of opening one (it stays open). */
  connection?: Connection;
  /** The bus to connect to when no `connection` is given (default: the session bus). */
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

function checkOptions(options: KeyringOptions): void {
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
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
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
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const onCallerAbort = () => abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => abort(new TimeoutException(`${what} did not finish within ${options.timeoutMs} ms.`)),
          options.timeoutMs,
        );
  let owned: Connection | undefined;
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const work = (async () => {
      const callTimeoutMs = options.timeoutMs;
      let connection = options.connection;
      if (!connection) {
        connection =
          options.address !== undefined
            ? await dbusInit({ address: options.address, callTimeoutMs })
            : await dbusInit({ env: options.env, callTimeoutMs });
        if (controller.signal.aborted) {
          await connection.close();
          throw controller.signal.reason;
        }
        owned = connection;
      }
      const checkpoint = () => controller.signal.throwIfAborted();
      checkpoint();
      return operation({ connection, profile, prompt: { signal: controller.signal }, checkpoint });
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, aborted]);
    } catch (error) {
      if (error !== controller.signal.reason) throw error;
      // An open prompt reacts to the abort by dismissing itself and failing with a more precise error (naming the
      // collection): give it a moment to do so before the connection is closed under it.
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
    // Closing fails whatever is still pending on the bus, so nothing keeps running after a timeout or an abort.
    await owned?.close();
  }
}

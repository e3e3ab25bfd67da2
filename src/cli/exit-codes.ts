/** The CLI's exit codes, one table for every command (documented in docs/cli.md and in `--help`). */
import {
  ConnectionClosedError,
  InvalidArgumentError,
  ItemNotFoundException,
  KeyringFileError,
  KeyringFileKeyError,
  LockedException,
  NoBackendError,
  PromptDismissedException,
  TimeoutException,
} from '../errors.js';
import {
  CommandNotStartedError,
  ImportIncompleteError,
  InvalidProjectIdError,
  InvalidSecretKeyError,
  ProjectNotInitialisedError,
  SecretsFormatError,
  ImportConflictError,
  UnrepresentableValueError,
} from '../user-secrets/errors.js';
import { NoDefaultCollectionError } from '../keyring/errors.js';
import { UsageError } from './usage-error.js';

export const EXIT = {
  ok: 0,
  /** Not found / nothing matched (keyring get, secret-tool lookup). */
  notFound: 1,
  /** Bad flags or arguments, a value refused in argv, no stdin and no TTY for a prompt. */
  usage: 2,
  /** Locked: the unlock prompt was dismissed, timed out or cannot be shown. */
  locked: 3,
  /** No session bus, or no Secret Service on it. */
  noService: 4,
  /** User secrets: project not initialised, or an invalid id. */
  notInitialised: 5,
  /** Data error: an unparseable import, conflicts without --overwrite. */
  dataError: 6,
  /** Anything else (the message says what). */
  failure: 7,
  /** Interrupted at a prompt (Ctrl-C). */
  interrupted: 130,
} as const;

/** The exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof InvalidArgumentError) return EXIT.usage;
  // No default collection and none can be created: "no such collection" (1), though its creation prompt was dismissed.
  if (error instanceof NoDefaultCollectionError) return EXIT.notFound;
  if (
    error instanceof LockedException ||
    error instanceof PromptDismissedException ||
    error instanceof TimeoutException
  ) {
    return EXIT.locked;
  }
  if (error instanceof NoBackendError || error instanceof ConnectionClosedError) return EXIT.noService;
  // A keyring file that the password does not open is as good as locked; a damaged one is a data error.
  if (error instanceof KeyringFileKeyError) return EXIT.locked;
  if (error instanceof KeyringFileError) return EXIT.dataError;
  // An unknown collection or item named on the command line is "not found", like a password that is not there.
  if (error instanceof ItemNotFoundException) return EXIT.notFound;
  if (error instanceof ProjectNotInitialisedError || error instanceof InvalidProjectIdError) return EXIT.notInitialised;
  if (error instanceof InvalidSecretKeyError) return EXIT.usage;
  if (
    error instanceof SecretsFormatError ||
    error instanceof ImportConflictError ||
    error instanceof UnrepresentableValueError
  ) {
    return EXIT.dataError;
  }
  if (error instanceof ImportIncompleteError) return exitCodeFor(error.cause);
  if (error instanceof CommandNotStartedError) {
    return error.reason === 'not-found' ? 127 : error.reason === 'not-executable' ? 126 : EXIT.failure;
  }
  if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') return error.exitCode;
  return EXIT.failure;
}

/**
 * The errors of the user-secrets feature. Each says what went wrong and what to do; none carries a secret value
 * (keys and file paths are not secret, values are).
 */
import { ERROR_CLASS, SecretStorageError } from '../errors.js';

/** Base class of the user-secrets errors. */
export class UserSecretsError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'UserSecretsError';
}

/** The project has no id yet (no `.env`, or no `ENV_SECRETS_ID` in it): run `init` first. */
export class ProjectNotInitialisedError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ProjectNotInitialisedError';
}

/** The project id is not a UUID, or `.env` holds two different ids. */
export class InvalidProjectIdError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'InvalidProjectIdError';
}

/** A key that cannot be an environment variable name (or is otherwise refused). */
export class InvalidSecretKeyError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'InvalidSecretKeyError';
  constructor(
    readonly keys: string[],
    message: string,
  ) {
    super(message);
  }
}

/** An input file or document (a `.secrets` file, a `.env` file, JSON) that cannot be read as asked. */
export class SecretsFormatError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'SecretsFormatError';
}

/** An import would replace existing secrets with different values, and neither overwriting nor skipping was asked for. */
export class ImportConflictError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ImportConflictError';
  constructor(readonly conflicts: string[]) {
    super(
      `${conflicts.length} key(s) already hold a different value: ${conflicts.join(', ')}. Nothing was imported. ` +
        'Pass --overwrite to replace them or --skip-existing to keep them.',
    );
  }
}

/**
 * An import that stopped part of the way, or whose read-back did not match: says exactly which keys are stored and
 * which are not. The cause is the error that stopped it.
 */
export class ImportIncompleteError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ImportIncompleteError';
  constructor(
    readonly imported: string[],
    readonly notImported: string[],
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `Import stopped: ${reason} Imported ${imported.length} key(s)` +
        `${imported.length ? ` (${imported.join(', ')})` : ''}; NOT imported ${notImported.length}: ` +
        `${notImported.join(', ')}. The source file was left untouched; fix the problem and run the import again ` +
        '(keys already imported with the same value are not conflicts).',
      { cause },
    );
  }
}

/** Values that the asked-for output format cannot carry exactly (e.g. dotenv and a value with every kind of quote). */
export class UnrepresentableValueError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'UnrepresentableValueError';
  constructor(
    readonly keys: string[],
    message: string,
  ) {
    super(message);
  }
}

/** `run` could not start the command: not found (shell exit 127) or not executable (126). */
export class CommandNotStartedError extends UserSecretsError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'CommandNotStartedError';
  constructor(
    readonly command: string,
    readonly reason: 'not-found' | 'not-executable' | 'other',
    cause: unknown,
  ) {
    const detail =
      reason === 'not-found'
        ? 'command not found (check the name and PATH; `run` does not use a shell, so use `sh -c "…"` for shell syntax)'
        : reason === 'not-executable'
          ? 'permission denied (the file is not executable)'
          : (cause as Error).message;
    super(`Cannot run ${JSON.stringify(command)}: ${detail}.`, { cause });
  }
}

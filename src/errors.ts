/**
 * The exceptions this library throws. Names follow Python SecretStorage's where it has one, so code ported from it
 * can catch the same things; every message says what happened and what to do about it, and never carries a secret.
 */

export interface SecretStorageErrorOptions {
  /** The D-Bus error name the service replied with, when the error came from the bus. */
  dbusName?: string;
  cause?: unknown;
}

/**
 * Keys every copy of this library in a process shares (`Symbol.for`), for {@link SecretStorageError}'s `instanceof`:
 * on each error class, its stable name (a string literal, so that a consumer's minifier cannot rename it as it
 * renames classes); on each error, the names of its classes.
 * @internal
 */
export const ERROR_CLASS = Symbol.for('secretstorage.errorClass');
const ERROR_CLASSES = Symbol.for('secretstorage.errorClasses');

/** Base class of every error this library throws. */
export class SecretStorageError extends Error {
  /** @internal */ static readonly [ERROR_CLASS]: string = 'SecretStorageError';
  /** The D-Bus error name (`org.freedesktop.Secret.Error.IsLocked`, …) when the error came from the bus. */
  readonly dbusName?: string;

  constructor(message: string, options: SecretStorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.dbusName !== undefined) this.dbusName = options.dbusName;
    const classes: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, ERROR_CLASS)) classes.push((c as unknown as { [ERROR_CLASS]: string })[ERROR_CLASS]);
    }
    Object.defineProperty(this, ERROR_CLASSES, { value: Object.freeze(classes) }); // not enumerable: not shown
  }

  /**
   * `instanceof` by class as well as by prototype, so that it also recognises errors thrown by another copy of this
   * library in the same process: the package ships an ES module build and a CommonJS one, and a program where some
   * code imports it and other code requires it has two `LockedException` classes. An error made by either is an
   * instance of both; a `LockedException` is still never an `ItemNotFoundException`. A class of yours that extends
   * these matches by prototype only, as usual.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !Object.hasOwn(this, ERROR_CLASS)) return false;
    const classes = (value as { [ERROR_CLASSES]?: unknown })[ERROR_CLASSES];
    return Array.isArray(classes) && classes.includes((this as { [ERROR_CLASS]: string })[ERROR_CLASS]);
  }
}

/** No session bus, or nothing on it provides `org.freedesktop.secrets`. */
export class NoBackendError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'NoBackendError';
}

/** SecretStorage's name for {@link NoBackendError}. */
export const SecretServiceNotAvailableException = NoBackendError;
export type SecretServiceNotAvailableException = NoBackendError;

/** The collection or item is locked; call `unlock()` first. */
export class LockedException extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'LockedException';
}

/** The collection, item or alias does not exist (any more). */
export class ItemNotFoundException extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ItemNotFoundException';
}

/**
 * The user (or the caller, by timeout or abort) dismissed a prompt. Unlike SecretStorage, this is not a subclass of
 * {@link ItemNotFoundException}: a dismissed prompt is not a missing item.
 */
export class PromptDismissedException extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'PromptDismissedException';
}

/** A call or a prompt ran out of time. A prompt that timed out has been dismissed. */
export class TimeoutException extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'TimeoutException';
}

/** The caller passed an argument this library refuses before anything is sent to the bus. */
export class InvalidArgumentError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'InvalidArgumentError';
  /** The name of the offending argument. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`Invalid ${argument}: ${message}`);
    this.argument = argument;
  }
}

/** The service answered with something the Secret Service spec does not allow; nothing it sent was used. */
export class ProtocolError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ProtocolError';
}

/**
 * `encryption: 'require'` and a service that does not offer DH transfer encryption (it answered the DH offer with
 * `NotSupported`): nothing was sent. Use a service that supports it, or `encryption: 'prefer'` to allow plain text.
 */
export class EncryptionNotSupportedError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'EncryptionNotSupportedError';
}

/** The connection was closed (by `close()` or because the bus went away); open a new one with `dbusInit()`. */
export class ConnectionClosedError extends NoBackendError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'ConnectionClosedError';
}

/** A keyring file (libsecret's and oo7's format) could not be used; nothing in it was changed. */
export class KeyringFileError extends SecretStorageError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'KeyringFileError';
  /** The file. */
  readonly path: string;

  constructor(path: string, message: string, options: SecretStorageErrorOptions = {}) {
    super(message, options);
    this.path = path;
  }
}

/** The file is not a keyring file, or it is truncated or damaged. */
export class KeyringFileFormatError extends KeyringFileError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'KeyringFileFormatError';

  constructor(path: string, what: string) {
    super(
      path,
      `The keyring file ${path} ${what}. It was left as it is; restore it from a backup, or move it aside to start ` +
        'an empty one.',
    );
  }
}

/** The file is a keyring file of another version than 1.0, the one libsecret's and oo7's file backends use. */
export class KeyringFileVersionError extends KeyringFileError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'KeyringFileVersionError';
  readonly version: string;

  constructor(path: string, major: number, minor: number) {
    const version = `${major}.${minor}`;
    super(
      path,
      `The keyring file ${path} has format version ${version}; this library reads and writes version 1.0, the ` +
        "format of libsecret's and oo7's file backends" +
        (major === 0
          ? " (version 0 is gnome-keyring-daemon's own format: use it through the daemon, or move its secrets " +
            'with `secretstorage copy`)'
          : '') +
        '. It was left as it is.',
    );
    this.version = version;
  }
}

/** The password (or the portal's secret) does not open the keyring file: no item's MAC verifies under its key. */
export class KeyringFileKeyError extends KeyringFileError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'KeyringFileKeyError';

  constructor(path: string) {
    super(
      path,
      `The password given does not open the keyring file ${path} (none of its items verifies under the key it ` +
        'gives). Check SECRETSTORAGE_FILE_PASSWORD (or the password option); nothing was read or changed.',
    );
  }
}

/**
 * An item of the keyring file fails its MAC although others verify under the same key: the file was altered or
 * damaged. Nothing was read from that item, and the file was not changed.
 */
export class KeyringFileIntegrityError extends KeyringFileError {
  /** @internal */ static override readonly [ERROR_CLASS]: string = 'KeyringFileIntegrityError';

  constructor(path: string, what: string) {
    super(
      path,
      `An item of the keyring file ${path} ${what}, although other items verify: the file was altered or damaged. ` +
        'It was left as it is; restore it from a backup.',
    );
  }
}

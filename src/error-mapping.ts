/** Turns what the bus said into this library's typed errors, keeping the D-Bus error name. */
import { DBusMethodError } from './dbus/connection.js';
import { FILE_BACKEND_HINT, IS_LOCKED_ERROR, NOT_FOUND_ERRORS, NO_SERVICE_ERRORS } from './defines.js';
import { ItemNotFoundException, LockedException, NoBackendError, SecretStorageError } from './errors.js';

/**
 * Maps an error from a call about `what` (e.g. `Item.GetSecret on /org/…/1`) to a SecretStorageError subclass.
 * Errors that are already typed pass through unchanged.
 */
export function mapCallError(error: unknown, what: string, serviceName: string): Error {
  if (error instanceof SecretStorageError) return error;
  if (!(error instanceof DBusMethodError))
    return error instanceof Error ? error : new SecretStorageError(String(error));
  const dbusName = error.errorName;
  const detail = error.text ? ` (${dbusName}: ${error.text})` : ` (${dbusName})`;
  if (NOT_FOUND_ERRORS.has(dbusName)) {
    return new ItemNotFoundException(`${what}: the object does not exist${detail}.`, { dbusName });
  }
  if (dbusName === IS_LOCKED_ERROR) {
    return new LockedException(`${what}: the collection or item is locked; call unlock() first${detail}.`, {
      dbusName,
    });
  }
  if (NO_SERVICE_ERRORS.has(dbusName)) {
    return new NoBackendError(
      `${what}: nothing provides ${serviceName} on this session bus${detail}. Install and start a Secret Service ` +
        '(gnome-keyring, KeePassXC, KWallet, oo7), or run `secretstorage headless -- <command>` for a throwaway one. ' +
        FILE_BACKEND_HINT,
      { dbusName },
    );
  }
  return new SecretStorageError(`${what} failed${detail}.`, { dbusName });
}

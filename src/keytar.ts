/**
 * `secretstorage/keytar`: keytar's five functions with its signatures and results, reading and writing keytar's
 * Linux format (libsecret's generic schema: `service`, `account`, `xdg:schema=org.freedesktop.Secret.Generic`, label
 * `service/account`), with no native build. `import keytar from 'secretstorage/keytar'` replaces `keytar`.
 *
 * As in keytar, a bad argument throws at once, before a promise is returned: a missing or empty one an
 * {@link InvalidArgumentError} (keytar: an `Error`, "Service is required."), any other value that is not a string
 * keytar's own `TypeError`, word for word ("Parameter 'service' must be a string"; the account is 'username' there).
 */
import { InvalidArgumentError } from './errors.js';
import {
  deletePassword as deleteAny,
  findCredentials as findAll,
  getCredential,
  getPassword as getAny,
  setPassword as setAny,
} from './keyring/passwords.js';

const KEYTAR = { profile: 'keytar' } as const;

/** keytar's names for its arguments in its TypeErrors (its native code calls the account 'username'). */
const KEYTAR_NAME = { service: 'service', account: 'username', password: 'password' } as const;

/** keytar's checks in keytar's order: its `checkRequired` (falsy or empty), then its native binding's type check. */
function checkRequired(value: unknown, argument: keyof typeof KEYTAR_NAME): asserts value is string {
  if (!value || (value as { length: number }).length <= 0) {
    // Only the kind of value, never the value: this may be the password.
    const got = value === '' ? 'an empty string' : value === null ? 'null' : typeof value;
    throw new InvalidArgumentError(
      argument,
      `is required: pass a non-empty string (got ${got}; keytar refuses it too).`,
    );
  }
  if (typeof value !== 'string') throw new TypeError(`Parameter '${KEYTAR_NAME[argument]}' must be a string`);
}

/**
 * The password for `service` and `account`, or null.
 * @throws InvalidArgumentError at once for a missing or empty argument, TypeError for another non-string; the
 *   promise rejects with LockedException, TimeoutException or NoBackendError.
 */
export function getPassword(service: string, account: string): Promise<string | null> {
  checkRequired(service, 'service');
  checkRequired(account, 'account');
  return getAny(service, account, KEYTAR);
}

/**
 * Stores `password` for `service` and `account` in the default collection, replacing keytar's item for them.
 * @throws as {@link getPassword}.
 */
export function setPassword(service: string, account: string, password: string): Promise<void> {
  checkRequired(service, 'service');
  checkRequired(account, 'account');
  checkRequired(password, 'password');
  return setAny(service, account, password, KEYTAR);
}

/**
 * Deletes the password for `service` and `account`; false when there was none.
 * @throws as {@link getPassword}.
 */
export function deletePassword(service: string, account: string): Promise<boolean> {
  checkRequired(service, 'service');
  checkRequired(account, 'account');
  return deleteAny(service, account, KEYTAR);
}

/**
 * A password of any account of `service`, or null.
 * @throws as {@link getPassword}.
 */
export function findPassword(service: string): Promise<string | null> {
  checkRequired(service, 'service');
  return getCredential(service, undefined, KEYTAR).then((credential) => credential?.password ?? null);
}

/**
 * Every `{ account, password }` of `service`.
 * @throws as {@link getPassword}.
 */
export function findCredentials(service: string): Promise<Array<{ account: string; password: string }>> {
  checkRequired(service, 'service');
  return findAll(service, KEYTAR).then((credentials) =>
    credentials.map(({ username, password }) => ({ account: username, password })),
  );
}

const keytar = { getPassword, setPassword, deletePassword, findPassword, findCredentials };
export default keytar;

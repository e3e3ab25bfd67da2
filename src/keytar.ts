/**
 * `secretstorage/keytar`: keytar's five functions with its signatures and results, reading and writing keytar's
 * Linux format (libsecret's generic schema: `service`, `account`, `xdg:schema=org.freedesktop.Secret.Generic`, label
 * `service/account`), with no native build. `import keytar from 'secretstorage/keytar'` replaces `keytar`.
 *
 * As in keytar, a missing argument throws at once, before a promise is returned.
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

function checkRequired(value: unknown, argument: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(
      argument,
      `expected a string, got ${value === null ? 'null' : typeof value}${value === undefined ? ' (it is required)' : ''}.`,
    );
  }
  if (value.length === 0) {
    throw new InvalidArgumentError(argument, 'is required: pass a non-empty string (keytar refuses empty ones too).');
  }
}

/**
 * The password for `service` and `account`, or null.
 * @throws InvalidArgumentError at once for an empty argument; the promise rejects with LockedException,
 *   TimeoutException or NoBackendError.
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

/**
 * The password API: keytar's and Python keyring's functions over the Secret Service, reading what keytar, Python
 * keyring, keyring-rs and @napi-rs/keyring wrote, and writing in the format of one of them (the profile).
 */
import { openBackend } from '../backend/choose.js';
import { InvalidArgumentError } from '../errors.js';
import { checkSecretText } from '../validate.js';
import type { KeyringFile } from '../keyring-file/keyring-file.js';
import {
  checkFileCollection,
  readFileCredential,
  readFileCredentials,
  removeFilePassword,
  storeFilePassword,
} from './file-passwords.js';
import { checkOptions, runOperation, type KeyringOptions } from './operation.js';
import { resolveProfile, type AttributeProfile } from './profiles.js';
import { readCredential, readCredentials, readPassword, type Credential } from './read.js';
import { removePassword } from './remove.js';
import { storePassword as store, type StoreResult } from './store.js';

/**
 * A service must not be empty; a user name may be (Python keyring stores one, and what findCredentials lists can be
 * read and deleted).
 */
function checkName(argument: 'service' | 'username', value: unknown): asserts value is string {
  if (typeof value !== 'string' || (value === '' && argument === 'service')) {
    throw new InvalidArgumentError(
      argument,
      `expected a ${argument === 'service' ? 'non-empty ' : ''}string, got ${value === '' ? 'an empty one' : typeof value}.`,
    );
  }
  // D-Bus strings cannot carry NUL or lone surrogates; refusing them here names the argument.
  if (value.includes('\0') || !value.isWellFormed()) {
    throw new InvalidArgumentError(
      argument,
      'contains a NUL character or an unpaired surrogate, which D-Bus cannot carry.',
    );
  }
}

/** Checked before anything is sent: a password D-Bus could not carry fails here, named as the caller knows it. */
function checkPassword(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError('password', `expected a string, got ${value === null ? 'null' : typeof value}.`);
  }
  checkSecretText('password', value);
}

/**
 * The keyring file the options (or SECRETSTORAGE_BACKEND) select, or undefined for the Secret Service.
 * @throws InvalidArgumentError for bad options or a file backend without a password.
 */
async function chosenFile(
  options: KeyringOptions,
): Promise<{ file: KeyringFile; profile: AttributeProfile } | undefined> {
  checkOptions(options);
  const backend = await openBackend(options);
  if (backend.kind !== 'file') return undefined;
  if (options.signal?.aborted) throw options.signal.reason;
  checkFileCollection(options.collection, backend.file.path);
  return { file: backend.file, profile: resolveProfile(options.profile) };
}

/**
 * The password stored for `service` and `username` by this library or any tool it knows, or null.
 * @throws LockedException or TimeoutException when it is in a locked collection that could not be unlocked;
 *   NoBackendError without a bus or service; InvalidArgumentError for bad arguments.
 */
export async function getPassword(
  service: string,
  username: string,
  options: KeyringOptions = {},
): Promise<string | null> {
  checkName('service', service);
  checkName('username', username);
  const file = await chosenFile(options);
  if (file) return (await readFileCredential({ ...file, service, username }))?.password ?? null;
  return runOperation(options, 'getPassword', (context) =>
    readPassword(context, service, username, options.collection),
  );
}

/**
 * Stores `password` for `service` and `username` in the profile's format, updating the items that profile's tool
 * would read instead of adding another one; resolves with what was done.
 * @throws LockedException, TimeoutException, PromptDismissedException (no default collection and no way to create
 *   one), NoBackendError, InvalidArgumentError.
 */
export async function storePassword(
  service: string,
  username: string,
  password: string,
  options: KeyringOptions = {},
): Promise<StoreResult> {
  checkName('service', service);
  checkName('username', username);
  checkPassword(password);
  const file = await chosenFile(options);
  if (file) return storeFilePassword({ ...file, service, username }, password);
  return runOperation(options, 'setPassword', (context) =>
    store(context, service, username, password, options.collection),
  );
}

/**
 * Stores `password` for `service` and `username` (see {@link storePassword}).
 * @throws as {@link storePassword}.
 */
export async function setPassword(
  service: string,
  username: string,
  password: string,
  options: KeyringOptions = {},
): Promise<void> {
  await storePassword(service, username, password, options);
}

/**
 * Deletes every item a read could return for `service` and `username`; false when there was none.
 * @throws LockedException, TimeoutException, NoBackendError, InvalidArgumentError.
 */
export async function deletePassword(
  service: string,
  username: string,
  options: KeyringOptions = {},
): Promise<boolean> {
  checkName('service', service);
  checkName('username', username);
  const file = await chosenFile(options);
  if (file) return (await removeFilePassword({ ...file, service, username })) > 0;
  return runOperation(
    options,
    'deletePassword',
    async (context) => (await removePassword(context, service, username, options.collection)) > 0,
  );
}

/**
 * `{ username, password }` for `service` and `username`, or, without `username`, for the best item of any user of
 * the service; null when there is none.
 * @throws LockedException, TimeoutException, NoBackendError, InvalidArgumentError.
 */
export async function getCredential(
  service: string,
  username?: string | null,
  options: KeyringOptions = {},
): Promise<Credential | null> {
  checkName('service', service);
  if (username !== undefined && username !== null) checkName('username', username);
  const file = await chosenFile(options);
  if (file) return readFileCredential({ ...file, service, username: username ?? undefined });
  return runOperation(options, 'getCredential', (context) =>
    readCredential(context, service, username ?? undefined, options.collection),
  );
}

/**
 * One `{ username, password }` per user of `service` (the best item of each), in user-name order.
 * @throws LockedException, TimeoutException, NoBackendError, InvalidArgumentError.
 */
export async function findCredentials(service: string, options: KeyringOptions = {}): Promise<Credential[]> {
  checkName('service', service);
  const file = await chosenFile(options);
  if (file) return readFileCredentials({ ...file, service });
  return runOperation(options, 'findCredentials', (context) => readCredentials(context, service, options.collection));
}

/**
 * secretstorage: a pure-TypeScript client for the FreeDesktop Secret Service (gnome-keyring, KWallet, KeePassXC,
 * oo7), a port of Python's SecretStorage.
 */
export { Connection } from './connection.js';
export { dbusInit, type DbusInitOptions } from './dbus-init.js';
export { Collection, type CreateItemOptions } from './collection.js';
export { Item } from './item.js';
export {
  checkServiceAvailability,
  createCollection,
  getAllCollections,
  getAnyCollection,
  getCollectionByAlias,
  getDefaultCollection,
  getSecrets,
  searchItems,
  searchItemPaths,
  setAlias,
} from './service.js';
export { unlockObjects, lockObjects } from './prompted-calls.js';
export type { PromptOptions } from './prompt.js';
export type { DecodedSecret, EncryptionMode, SecretStruct, Session } from './session.js';
export type { ServiceCaller, ServiceCallOptions } from './service-caller.js';
export type { DebugLog } from './debug-log.js';
export {
  ConnectionClosedError,
  EncryptionNotSupportedError,
  InvalidArgumentError,
  ItemNotFoundException,
  KeyringFileError,
  KeyringFileFormatError,
  KeyringFileIntegrityError,
  KeyringFileKeyError,
  KeyringFileVersionError,
  LockedException,
  NoBackendError,
  PromptDismissedException,
  ProtocolError,
  SecretServiceNotAvailableException,
  SecretStorageError,
  TimeoutException,
  type SecretStorageErrorOptions,
} from './errors.js';
export { ALGORITHM_DH, ALGORITHM_PLAIN } from './defines.js';
export { unlockWithPassword, createCollectionWithPassword } from './gnome-internal.js';
export type { UnlockOptions, AliasCollectionOptions } from './collection.js';

/**
 * `secretstorage/keyring`: passwords by service and user name, readable and writable by keytar, Python keyring,
 * keyring-rs and @napi-rs/keyring, plus the service-level helpers the CLI is built on.
 */
export {
  getPassword,
  setPassword,
  storePassword,
  deletePassword,
  getCredential,
  findCredentials,
} from './passwords.js';
export type { KeyringOptions } from './operation.js';
export type { Credential } from './read.js';
export type { StoreResult } from './store.js';
export {
  DEFAULT_PROFILE,
  PROFILES,
  GENERIC_SCHEMA,
  PYTHON_KEYRING_APPLICATION,
  type AttributeProfile,
  type LookupScope,
  type ProfileName,
} from './profiles.js';
export { closeSharedConnections } from './shared-connection.js';
export { searchItemDetails, type SearchOptions, type FoundItem } from './search.js';
export {
  listCollections,
  lockCollections,
  unlockCollection,
  type CollectionInfo,
  type LockResult,
  type CollectionOptions,
  type UnlockCollectionOptions,
  type UnlockCollectionResult,
} from './collections.js';
export {
  diagnose,
  type Diagnosis,
  type DiagnosisCheck,
  type DiagnoseOptions,
  type CheckStatus,
  type Verdict,
  type CollectionState,
} from './diagnose.js';
export { copySecrets, type CopyDirection, type CopyOptions, type CopyResult } from './copy.js';
export type { BackendName } from '../backend/choose.js';
export {
  KeyringFileError,
  KeyringFileFormatError,
  KeyringFileIntegrityError,
  KeyringFileKeyError,
  KeyringFileVersionError,
} from '../errors.js';
export {
  lookupItem,
  lookupSecret,
  storeSecret,
  clearSecrets,
  type AttributeOptions,
  type FoundSecret,
  type StoreSecretOptions,
} from './attribute-items.js';
export { NoDefaultCollectionError } from './errors.js';
export type { ServerIdentity, ServerKind } from './server-identity.js';
export {
  KeyringFile,
  type KeyringFileDraft,
  type NewItem as NewKeyringFileItem,
  type StoredItem as KeyringFileItem,
} from '../keyring-file/keyring-file.js';

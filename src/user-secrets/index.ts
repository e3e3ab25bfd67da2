/**
 * `secretstorage/user-secrets`: project secrets kept outside the project, encrypted in the Secret Service, linked
 * by the `ENV_SECRETS_ID` UUID in the project's `.env` (compatible with python-env-secrets' id).
 */
export { initUserSecrets, integrateWithDotenv } from './load.js';
export type { InitUserSecretsOptions, InitUserSecretsResult, IntegrateWithDotenvResult } from './load.js';
export { UserSecretsManager } from './manager.js';
export { findProject, type FoundProject } from './find-project.js';
export type { LoadOptions, UserSecretsInfo, UserSecretsOptions } from './manager.js';
export { applySecrets } from './environment.js';
export type { ApplySecretsOptions, ApplySecretsResult, Environment } from './environment.js';
export { runWithSecrets } from './run.js';
export type { RunWithSecretsOptions } from './run.js';
export { planImport, applyImport } from './import.js';
export type { ConflictPolicy, ImportPlan, ImportResult } from './import.js';
export {
  parsePythonEnvSecrets,
  readPythonEnvSecretsFile,
  findPythonEnvSecretsFiles,
  looksLikePythonEnvSecrets,
} from './python-env-secrets.js';
export type { PythonEnvSecretsFile } from './python-env-secrets.js';
export { flattenDotnetJson } from './dotnet-json.js';
export type { FlattenedJson } from './dotnet-json.js';
export { formatDotenv, formatDotenvValue } from './dotenv-format.js';
export type { DotenvDocument } from './dotenv-format.js';
export { dotenvParser } from './dotenv-parse.js';
export type { DotenvParser } from './dotenv-parse.js';
export {
  ID_KEY,
  ID_KEYS,
  LEGACY_ID_KEY,
  initProjectId,
  readProjectId,
  requireProjectId,
  normaliseProjectId,
  envFilePath,
} from './project-id.js';
export type { IdKey, InitProjectIdOptions, InitProjectIdResult, ProjectIdLocation } from './project-id.js';
export { isValidKey, assertValidKey, environmentName } from './keys.js';
export {
  USER_SECRETS_SCHEMA,
  USER_SECRETS_APPLICATION,
  PROJECT_ID_ATTRIBUTE,
  KEY_ATTRIBUTE,
  projectAttributes,
  secretAttributes,
} from './keyring-store.js';
export {
  CommandNotStartedError,
  ImportConflictError,
  ImportIncompleteError,
  InvalidProjectIdError,
  InvalidSecretKeyError,
  ProjectNotInitialisedError,
  SecretsFormatError,
  UnrepresentableValueError,
  UserSecretsError,
} from './errors.js';

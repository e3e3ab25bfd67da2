/**
 * The user-secrets manager: one project's secrets (found through the id in its `.env`, or an explicit id) read and
 * written in the Secret Service. The counterpart of python-env-secrets' EnvSecretsManager, with the secrets
 * encrypted by the keyring instead of in a plain-text file.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { openBackend, type BackendOptions } from '../backend/choose.js';
import type { Connection } from '../connection.js';
import { dbusInit, type DbusInitOptions } from '../dbus-init.js';
import type { PromptOptions } from '../prompt.js';
import { applySecrets, type ApplySecretsResult, type Environment } from './environment.js';
import { assertStorableValue, assertValidKey } from './keys.js';
import { FileSecretsStore } from './file-store.js';
import { findProject } from './find-project.js';
import { KeyringStore, USER_SECRETS_SCHEMA } from './keyring-store.js';
import type { SecretsStore } from './secrets-store.js';
import { envFilePath, initProjectId, normaliseProjectId, requireProjectId, type IdKey } from './project-id.js';

export interface UserSecretsOptions extends Pick<BackendOptions, 'backend' | 'filePath' | 'filePassword'> {
  /**
   * Where `SECRETSTORAGE_BACKEND` and `SECRETSTORAGE_FILE_*` are read from (default `process.env`); with the file
   * backend the secrets live in a keyring file instead of the Secret Service (docs/keyring-file.md).
   */
  backendEnv?: NodeJS.ProcessEnv;
  /**
   * The project directory whose `.env` holds the id. Default: found from the current directory upwards, as
   * {@link findProject} does (the nearest `.env` with an id, up to the repository root).
   */
  projectDir?: string;
  /** Use this id (a UUID) instead of the one in `.env`. */
  id?: string;
  /** Create the id in `.env` when there is none (default false: a missing id is an error). */
  init?: boolean;
  /** An open connection to use (left open by close()); default: a new one from `connect` or `dbusInit(dbus)`. */
  connection?: Connection;
  /** Opens the connection once the id is known (so a project without an id fails first); closed by close(). */
  connect?: () => Promise<Connection>;
  /** Options for the connection opened when none is given. */
  dbus?: DbusInitOptions;
  /** Deadline and abort signal for unlock prompts. */
  prompt?: PromptOptions;
}

export interface UserSecretsInfo {
  projectDir: string;
  envFile: string;
  envFileExists: boolean;
  id: string;
  /** Where the id came from: the `.env` key that held it, or `option` for an explicit id. */
  idSource: IdKey | 'option';
  /** The `xdg:schema` of the items. */
  schema: string;
  /** The collection new secrets go to, or the keyring file (undefined while the service has no default collection). */
  collection: string | undefined;
  count: number;
}

export interface LoadOptions {
  /** Where to put the secrets (default `process.env`). */
  env?: Environment;
  /** Let secrets replace variables that already exist (default false: existing variables win). */
  override?: boolean;
}

export class UserSecretsManager implements AsyncDisposable {
  private constructor(
    readonly projectDir: string,
    readonly id: string,
    readonly idSource: IdKey | 'option',
    private readonly store: SecretsStore,
    /** The Secret Service connection; undefined when the secrets are in a keyring file. */
    readonly connection: Connection | undefined,
    private readonly ownsConnection: boolean,
  ) {}

  /**
   * Opens the secrets of a project.
   * @throws ProjectNotInitialisedError when the project has no id (and `init` is not set), InvalidProjectIdError
   *   for an id that is not a UUID, NoBackendError when there is no session bus.
   */
  static async open(options: UserSecretsOptions = {}): Promise<UserSecretsManager> {
    const projectDir =
      options.projectDir === undefined ? (await findProject()).projectDir : resolve(options.projectDir);
    let id: string;
    let idSource: IdKey | 'option';
    if (options.id !== undefined) {
      id = normaliseProjectId(options.id, 'the id option');
      idSource = 'option';
    } else {
      const location = options.init ? await initProjectId(projectDir) : await requireProjectId(projectDir);
      id = location.id;
      idSource = location.key;
    }
    const projectName = basename(projectDir);
    const viaService = options.connection !== undefined || options.dbus?.address !== undefined;
    const backend = await openBackend({
      ...options,
      env: options.backendEnv,
      ...(viaService ? { connection: options.connection ?? options.dbus } : {}),
    });
    if (backend.kind === 'file') {
      const store = new FileSecretsStore(backend.file, id, { projectName });
      return new UserSecretsManager(projectDir, id, idSource, store, undefined, false);
    }
    const connection = options.connection ?? (options.connect ? await options.connect() : await dbusInit(options.dbus));
    const store = new KeyringStore(connection, id, { projectName, prompt: options.prompt });
    return new UserSecretsManager(projectDir, id, idSource, store, connection, !options.connection);
  }

  /**
   * Stores `value` under `key`, replacing any previous value.
   * @throws InvalidSecretKeyError, InvalidArgumentError for a value an environment variable cannot carry,
   *   LockedException when the keyring stays locked.
   */
  async set(key: string, value: string): Promise<void> {
    assertValidKey(key);
    assertStorableValue(key, value);
    await this.store.write(key, value);
  }

  /** The value of `key`, or undefined. @throws LockedException when the keyring stays locked. */
  async get(key: string): Promise<string | undefined> {
    assertValidKey(key);
    return this.store.read(key);
  }

  /** The keys (never the values), sorted. Works while the keyring is locked. */
  async list(): Promise<string[]> {
    return this.store.keys();
  }

  /** Every key and value, keys sorted. @throws LockedException when the keyring stays locked. */
  async getAll(): Promise<Record<string, string>> {
    return Object.fromEntries(await this.store.readAll());
  }

  /** Deletes `key`; false when it did not exist. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(key);
    return this.store.remove(key);
  }

  /** Deletes every secret of the project; returns how many there were. */
  async clear(): Promise<number> {
    return this.store.removeAll();
  }

  /** Where things are, and how many secrets there are. */
  async info(): Promise<UserSecretsInfo> {
    const envFile = envFilePath(this.projectDir);
    return {
      projectDir: this.projectDir,
      envFile,
      envFileExists: existsSync(envFile),
      id: this.id,
      idSource: this.idSource,
      schema: USER_SECRETS_SCHEMA,
      collection: await this.store.collectionPath(),
      count: (await this.store.keys()).length,
    };
  }

  /**
   * Puts the secrets into `env` (default `process.env`); variables that already exist win unless `override`.
   * @throws LockedException when the keyring stays locked.
   */
  async load(options: LoadOptions = {}): Promise<ApplySecretsResult> {
    return applySecrets(options.env ?? process.env, await this.store.readAll(), { override: options.override });
  }

  /** Closes the connection if the manager opened it. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `UserSecretsManager { projectDir: '${this.projectDir}', id: '${this.id}' }`;
  }

  toJSON(): object {
    return { projectDir: this.projectDir, id: this.id };
  }
}

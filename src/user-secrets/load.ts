/**
 * The one-call entry points for applications: `initUserSecrets()` (python-env-secrets' `init_user_secrets`) and
 * `integrateWithDotenv()` (its `integrate_with_dotenv`), with this project's precedence: a variable that already
 * exists wins over user secrets, which win over `.env`, unless `override` lets the secrets win over everything.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dotenvParser } from './dotenv-parse.js';
import type { Environment } from './environment.js';
import { applySecrets } from './environment.js';
import { UserSecretsError } from './errors.js';
import { UserSecretsManager, type UserSecretsOptions } from './manager.js';
import { findProject } from './find-project.js';
import { envFilePath } from './project-id.js';

export interface InitUserSecretsOptions extends Omit<UserSecretsOptions, 'init'> {
  /** Let secrets replace variables that already exist (default false). */
  override?: boolean;
  /** Where to put the secrets (default `process.env`). */
  env?: Environment;
}

export interface InitUserSecretsResult {
  id: string;
  /** The `.env` file the id was read from or written to (found from the current directory upwards by default). */
  envFile: string;
  /** Variable names set from user secrets. */
  loaded: string[];
  /** Variable names left alone because they already existed. */
  kept: string[];
}

/**
 * Reads the project's id from `.env` (creating `ENV_SECRETS_ID=<uuid>` there on first use, keeping every other
 * line) and loads its secrets into `process.env` (or `env`). Existing variables win unless `override: true`.
 * @throws InvalidProjectIdError for an id that is not a UUID, NoBackendError when there is no Secret Service,
 *   LockedException when the keyring stays locked.
 */
export async function initUserSecrets(options: InitUserSecretsOptions = {}): Promise<InitUserSecretsResult> {
  const manager = await UserSecretsManager.open({ ...options, init: options.id === undefined });
  try {
    const { applied, kept } = await manager.load({ env: options.env, override: options.override });
    return { id: manager.id, envFile: envFilePath(manager.projectDir), loaded: applied, kept };
  } finally {
    await manager.close();
  }
}

export interface IntegrateWithDotenvResult extends InitUserSecretsResult {
  /** Variable names set from `.env`. */
  fromDotenv: string[];
  /** Which parser read `.env`. */
  parser: 'dotenv' | 'node:util';
}

/**
 * Loads the project's `.env` (with dotenv if installed, else Node's parser) and then the user secrets on top:
 * existing variables > user secrets > `.env`; with `override`, user secrets > existing variables > `.env`.
 * Does not create an id: a project without one gets ProjectNotInitialisedError.
 * @throws what initUserSecrets throws, ProjectNotInitialisedError, UserSecretsError when `.env` cannot be read.
 */
export async function integrateWithDotenv(options: InitUserSecretsOptions = {}): Promise<IntegrateWithDotenvResult> {
  const env = options.env ?? process.env;
  const projectDir = options.projectDir === undefined ? (await findProject()).projectDir : resolve(options.projectDir);
  const envFile = envFilePath(projectDir);
  let text: string;
  try {
    text = await readFile(envFile, 'utf8');
  } catch (error) {
    // A missing .env is reported by open() below (no id), unless an explicit id makes it unnecessary.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserSecretsError(`Cannot read ${envFile} (${(error as NodeJS.ErrnoException).code ?? error}).`, {
        cause: error,
      });
    }
    text = '';
  }
  const parser = await dotenvParser();
  const fromFile = new Map(Object.entries(parser.parse(text)));
  const manager = await UserSecretsManager.open({ ...options, projectDir, init: false });
  try {
    const secrets = new Map(Object.entries(await manager.getAll()));
    const existing = new Set(Object.keys(env).filter((name) => env[name] !== undefined));
    const fromDotenv = applySecrets(env, fromFile, { existing }).applied;
    const { applied, kept } = applySecrets(env, secrets, { existing, override: options.override });
    return { id: manager.id, envFile, loaded: applied, kept, fromDotenv, parser: parser.name };
  } finally {
    await manager.close();
  }
}

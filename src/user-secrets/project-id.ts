/**
 * The project id: a UUID kept in the project's `.env` as `ENV_SECRETS_ID` (python-env-secrets' current name; its
 * older `USER_SECRETS_ID` is read too), linking the project to its secrets in the keyring. Only a UUID is accepted:
 * python-env-secrets joins the id into a path, so `../..` there escapes its folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { InvalidArgumentError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { findAssignments, upsertAssignment } from './env-file.js';
import { InvalidProjectIdError, ProjectNotInitialisedError, UserSecretsError } from './errors.js';
import { withFileLock, type FileLockHold } from '../fs/file-lock.js';

/** The `.env` key this tool writes (python-env-secrets ≥ 32d4119 uses the same). */
export const ID_KEY = 'ENV_SECRETS_ID';
/** The key older python-env-secrets versions wrote; read, never written. */
export const LEGACY_ID_KEY = 'USER_SECRETS_ID';
export const ID_KEYS = [ID_KEY, LEGACY_ID_KEY] as const;
export type IdKey = (typeof ID_KEYS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id in canonical (lowercase) form.
 * @throws InvalidProjectIdError when `id` is not a UUID; `source` says where it came from.
 */
export function normaliseProjectId(id: unknown, source: string): string {
  if (typeof id === 'string' && UUID.test(id)) return id.toLowerCase();
  const shown = typeof id === 'string' ? JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id) : typeof id;
  const fromFile = source.includes(' in ');
  throw new InvalidProjectIdError(
    `The project id ${shown} from ${source} is not a UUID (like 3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b). ` +
      (fromFile
        ? 'Fix or remove that line and run `user-secrets init` to create a new one, or pass a UUID with --id.'
        : "Pass the project's UUID (`user-secrets info` shows it), or leave it out to use the one in .env."),
  );
}

export interface ProjectIdLocation {
  id: string;
  /** The `.env` file it is (or was just written) in. */
  envFile: string;
  /** Which key held it. */
  key: IdKey;
}

/** The `.env` path of a project directory (resolved against the current directory). */
export function envFilePath(projectDir: string): string {
  return join(resolve(projectDir), '.env');
}

async function assertDirectory(projectDir: string): Promise<void> {
  const info = await stat(projectDir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InvalidArgumentError('projectDir', `${resolve(projectDir)} is not a directory.`);
  }
}

async function readEnvText(envFile: string): Promise<string | undefined> {
  try {
    return await readFile(envFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UserSecretsError(`Cannot read ${envFile} (${code ?? (error as Error).message}).`, { cause: error });
  }
}

function idFromText(text: string, envFile: string): ProjectIdLocation | undefined {
  const found = findAssignments(text, ID_KEYS);
  const current = found.get(ID_KEY);
  const legacy = found.get(LEGACY_ID_KEY);
  if (current !== undefined && legacy !== undefined && current.toLowerCase() !== legacy.toLowerCase()) {
    throw new InvalidProjectIdError(
      `${envFile} holds two different project ids, ${ID_KEY}=${current} and ${LEGACY_ID_KEY}=${legacy}. Keep the ` +
        'one whose secrets you want (`user-secrets --id <uuid> list` shows what each holds) and delete the other line.',
    );
  }
  if (current !== undefined)
    return { id: normaliseProjectId(current, `${ID_KEY} in ${envFile}`), envFile, key: ID_KEY };
  if (legacy !== undefined)
    return { id: normaliseProjectId(legacy, `${LEGACY_ID_KEY} in ${envFile}`), envFile, key: LEGACY_ID_KEY };
  return undefined;
}

/**
 * The project's id from its `.env`, or undefined when there is no `.env` or no id in it.
 * @throws InvalidProjectIdError for an id that is not a UUID or two different ids, UserSecretsError when `.env`
 *   cannot be read.
 */
export async function readProjectId(projectDir: string): Promise<ProjectIdLocation | undefined> {
  const envFile = envFilePath(projectDir);
  const text = await readEnvText(envFile);
  return text === undefined ? undefined : idFromText(text, envFile);
}

/**
 * The project's id from its `.env`.
 * @throws ProjectNotInitialisedError when there is none, plus what {@link readProjectId} throws.
 */
export async function requireProjectId(projectDir: string): Promise<ProjectIdLocation> {
  const location = await readProjectId(projectDir);
  if (location) return location;
  const envFile = envFilePath(projectDir);
  const missing = (await readEnvText(envFile)) === undefined;
  throw new ProjectNotInitialisedError(
    `${missing ? `There is no ${envFile}` : `${envFile} has no ${ID_KEY}`}, so this project has no user secrets ` +
      'yet. Run `user-secrets init` in the project (or call initUserSecrets()) to create its id, or pass --id.',
  );
}

export interface InitProjectIdOptions {
  /** Use this id instead of a new random one. */
  id?: string;
  /** Replace an existing, different id (its secrets stay in the keyring under the old id). */
  replace?: boolean;
}

export interface InitProjectIdResult extends ProjectIdLocation {
  /** True when `.env` was written. */
  written: boolean;
  /** The id that was replaced, if any. */
  previousId?: string;
}

/**
 * Makes sure the project has an id: keeps an existing one, else writes `ENV_SECRETS_ID=<uuid>` into `.env`
 * (creating the file, mode 0600, if needed), changing no other line. The write is atomic.
 * @throws InvalidArgumentError when `projectDir` is not a directory or `id` is not a UUID, InvalidProjectIdError
 *   when `.env` holds a different id and `replace` is not set, UserSecretsError when `.env` cannot be written (it
 *   is then unchanged).
 */
export async function initProjectId(
  projectDir: string,
  options: InitProjectIdOptions = {},
): Promise<InitProjectIdResult> {
  await assertDirectory(projectDir);
  const wanted = options.id === undefined ? undefined : normaliseProjectId(options.id, '--id');
  const envFile = envFilePath(projectDir);
  const kept = keptId(idFromText((await readEnvText(envFile)) ?? '', envFile), wanted, options);
  if (kept) return kept;
  // Two processes initialising a fresh project at once would each write an id and store secrets under it, and all
  // but the last would lose theirs: the decision is made again under a lock, on what is in .env then.
  return withEnvFileLock(envFile, async (hold) => {
    const text = (await readEnvText(envFile)) ?? '';
    const existing = idFromText(text, envFile);
    const keptMeanwhile = keptId(existing, wanted, options);
    if (keptMeanwhile) return keptMeanwhile;
    // node:crypto only here, not at import: `secretstorage get` and the library never need it before a session.
    const id = wanted ?? (await loadNodeCrypto()).randomUUID();
    const key = existing?.key ?? ID_KEY;
    try {
      await writeFileAtomic(envFile, upsertAssignment(text, key, id), { beforeReplace: hold.assertHeld });
    } catch (error) {
      if (error instanceof UserSecretsError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserSecretsError(
        `Cannot write ${envFile} (${code ?? (error as Error).message}); it was left as it was.`,
        {
          cause: error,
        },
      );
    }
    return { id, envFile, key, written: true, ...(existing ? { previousId: existing.id } : {}) };
  });
}

/** The lock of `.env`, failing with UserSecretsError. */
export function withEnvFileLock<T>(
  envFile: string,
  update: (hold: FileLockHold) => Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  return withFileLock(envFile, update, {
    ...options,
    makeError: (message, cause) => new UserSecretsError(message, { cause }),
  });
}

/**
 * The existing id when it stays (there is one, and no other was asked for).
 * @throws InvalidProjectIdError when another id was asked for without `replace`.
 */
function keptId(
  existing: ProjectIdLocation | undefined,
  wanted: string | undefined,
  options: InitProjectIdOptions,
): InitProjectIdResult | undefined {
  if (!existing) return undefined;
  if (wanted === undefined || wanted === existing.id) return { ...existing, written: false };
  if (options.replace) return undefined;
  throw new InvalidProjectIdError(
    `${existing.envFile} already has ${existing.key}=${existing.id}. Replacing it would detach the secrets stored ` +
      'under it (they stay in the keyring, reachable with --id). Pass --force (replace: true) to replace it anyway.',
  );
}

/**
 * Finding the project from a directory inside it, as git and dotenv-style tools find theirs: the nearest `.env` that
 * holds a project id, from the directory upwards to the repository root. Run from `src/` of a project, the library
 * and the CLI then use the project's `.env` instead of creating a second one with a new id (whose secrets the app
 * would never see).
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readProjectId, type ProjectIdLocation } from './project-id.js';

export interface FoundProject {
  /** The project directory: where its `.env` is, or will be written. */
  projectDir: string;
  /** Its `.env` file. */
  envFile: string;
  /**
   * Why this directory: `id`, its `.env` holds a project id; `env-file`, the nearest `.env` (without an id yet);
   * `repository-root`, no `.env` on the way, so the top of the repository; `start`, none of those.
   */
  reason: 'id' | 'env-file' | 'repository-root' | 'start';
  /** The id found, when `reason` is `id`. */
  location?: ProjectIdLocation;
  /** The directories looked at, nearest first. */
  searched: string[];
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/**
 * Whether a `.env` in `dir` can only have been put there by this user or the administrator: `dir` is owned by one
 * of them and not writable by everyone (`/tmp` is). The search stops below any other directory, so that a `.env`
 * planted in a shared one (naming another project's id, or a broken one) is never taken.
 */
async function isTrusted(dir: string): Promise<boolean> {
  const status = await stat(dir).catch(() => undefined);
  if (!status || (status.mode & 0o002) !== 0) return false;
  const uid = process.getuid?.();
  return uid === undefined || uid === 0 || status.uid === uid || status.uid === 0;
}

/**
 * The project that `start` (default: the current directory) belongs to. Looks in `start` and each parent, stopping
 * at the first that holds `.git` (the repository root, included); outside a repository, before the home directory
 * and the filesystem root, so that no unrelated `.env` of theirs is taken; and before a directory that anyone may
 * write to or that another user owns (see isTrusted). The first `.env` with a project id wins;
 * without one, the nearest `.env`, else the repository root, else `start`.
 * @throws InvalidProjectIdError for a `.env` on the way whose id is not a UUID; UserSecretsError when one cannot be
 *   read.
 */
export async function findProject(
  start: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<FoundProject> {
  const first = resolve(start);
  const home = resolve(env.HOME || homedir());
  const searched: string[] = [];
  let nearestEnvFile: string | undefined;
  let repositoryRoot: string | undefined;
  for (let dir = first; ;) {
    searched.push(dir);
    const location = await readProjectId(dir);
    if (location) return { projectDir: dir, envFile: location.envFile, reason: 'id', location, searched };
    if (nearestEnvFile === undefined && (await exists(join(dir, '.env')))) nearestEnvFile = join(dir, '.env');
    if (await exists(join(dir, '.git'))) {
      repositoryRoot = dir;
      break;
    }
    const parent = dirname(dir);
    if (parent === dir || parent === home || dirname(parent) === parent) break;
    if (!(await isTrusted(parent))) break;
    dir = parent;
  }
  if (nearestEnvFile !== undefined) {
    return { projectDir: dirname(nearestEnvFile), envFile: nearestEnvFile, reason: 'env-file', searched };
  }
  const projectDir = repositoryRoot ?? first;
  return {
    projectDir,
    envFile: join(projectDir, '.env'),
    reason: repositoryRoot ? 'repository-root' : 'start',
    searched,
  };
}

/**
 * A lock for a read-modify-write of a file that several processes may change at once (`.env` while two
 * `user-secrets set --init` start in a fresh project): like git's `index.lock`, a `FILE.lock` beside the file (beside
 * the file a symlink leads to, which is the one rewritten), created exclusively with the owner's pid and host in it
 * and removed when done. A lock whose owner is gone (no such pid on this host) or that is older than any update could
 * take is someone's crash, and is taken over: under a second lock, `FILE.lock.break`, and only after looking again,
 * so that two processes that both found it stale cannot remove each other's new lock.
 */
import { open, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SecretStorageError } from '../errors.js';

/** Past this age a lock is left over from a crash, whoever holds it: an update takes milliseconds. */
const STALE_MS = 30_000;

export interface FileLockOptions {
  /** How long to wait for another process's lock (default 10 s). */
  timeoutMs?: number;
  /** The error thrown when the lock cannot be had (default SecretStorageError), so each caller throws its own kind. */
  makeError?: (message: string, cause?: unknown) => Error;
  /**
   * Creates the file's folder, called when the lock cannot be created because the folder is missing (then the lock
   * is tried again): a caller that may write a file's first version need not create its folder on every update.
   */
  makeFolder?: () => Promise<void>;
}

/** Creates `path` exclusively with this process's pid and host in it; false when it exists. */
async function create(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid} ${hostname()}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** Whether the lock at `lockPath` was left by a process that is gone, or is too old to be anyone's live update. */
async function isStale(lockPath: string): Promise<boolean> {
  const [info, owner] = await Promise.all([
    stat(lockPath).catch(() => undefined),
    readFile(lockPath, 'utf8').catch(() => ''),
  ]);
  if (!info) return false; // released meanwhile: just try again
  if (Date.now() - info.mtimeMs > STALE_MS) return true;
  const [pidText, host] = owner.trim().split(' ');
  const pid = Number(pidText);
  // Written by a process on another machine (a shared folder), or not written yet: only its age can tell.
  if (!Number.isInteger(pid) || pid <= 0 || host !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes the lock at `lockPath` if it is (still) stale, holding `lockPath.break` while it looks and removes.
 * @returns false when another process holds the break lock (it is doing the same).
 */
async function breakIfStale(lockPath: string): Promise<boolean> {
  const breakPath = `${lockPath}.break`;
  if (!(await create(breakPath))) {
    // Held only for a moment, unless its holder crashed right there.
    const info = await stat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_MS) await unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    if (await isStale(lockPath)) await unlink(lockPath).catch(() => undefined);
  } finally {
    await unlink(breakPath).catch(() => undefined);
  }
  return true;
}

/**
 * Runs `update` holding the lock for `path`, then removes the lock (also when `update` throws).
 * @throws `makeError`'s error (default SecretStorageError) when another process holds the lock past `timeoutMs`, or it cannot be created (a
 *   read-only folder); what `update` throws.
 */
export async function withFileLock<T>(
  path: string,
  update: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${await realpath(path).catch(() => path)}.lock`;
  const makeError =
    options.makeError ?? ((message: string, cause?: unknown) => new SecretStorageError(message, { cause }));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let madeFolder = false;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    let locked;
    try {
      locked = await create(lockPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && options.makeFolder && !madeFolder) {
        await options.makeFolder();
        madeFolder = true;
        continue;
      }
      throw makeError(
        `Cannot change ${path} (${code ?? (error as Error).message} creating ${lockPath}); it was left as it was.`,
        error,
      );
    }
    if (locked) {
      try {
        return await update();
      } finally {
        await unlink(lockPath).catch(() => undefined);
      }
    }
    if ((await isStale(lockPath)) && (await breakIfStale(lockPath))) continue;
    if (Date.now() > deadline) {
      throw makeError(
        `Another process is changing ${path} (it holds ${lockPath}). Try again; if no other process is changing ` +
          `it, delete ${lockPath}.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
  }
}

/**
 * A lock for a read-modify-write of a file that several processes may change at once (`.env` while two
 * `user-secrets set --init` start in a fresh project): like git's `index.lock`, a `FILE.lock` beside it, created
 * exclusively with the owner's pid in it and removed when done. A lock whose owner is gone (no such pid) or that is
 * older than any update could take is someone's crash, and is taken over.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UserSecretsError } from './errors.js';

/** Past this age a lock is left over from a crash, whoever holds it: an update takes milliseconds. */
const STALE_MS = 30_000;

export interface FileLockOptions {
  /** How long to wait for another process's lock (default 10 s). */
  timeoutMs?: number;
}

/**
 * The inode of the lock at `lockPath` when it was left by a process that is gone (or is too old to be anyone's live
 * update), else undefined.
 */
async function staleLock(lockPath: string): Promise<number | undefined> {
  const [info, owner] = await Promise.all([
    stat(lockPath).catch(() => undefined),
    readFile(lockPath, 'utf8').catch(() => ''),
  ]);
  if (!info) return undefined; // released meanwhile: just try again
  if (Date.now() - info.mtimeMs > STALE_MS) return info.ino;
  const [pidText, host] = owner.split(' ');
  const pid = Number(pidText);
  // Written by a process on another machine (a shared folder), or not written yet: only age can tell.
  if (!Number.isInteger(pid) || pid <= 0 || host?.trim() !== hostname()) return undefined;
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? info.ino : undefined;
  }
}

/**
 * Runs `update` holding `FILE.lock` for `path`, then removes the lock (also when `update` throws).
 * @throws UserSecretsError when another process holds the lock past `timeoutMs`, or it cannot be created (a
 *   read-only folder); what `update` throws.
 */
export async function withFileLock<T>(
  path: string,
  update: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    let handle;
    try {
      handle = await open(lockPath, 'wx', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new UserSecretsError(
          `Cannot change ${path} (${code ?? (error as Error).message} creating ${lockPath}); it was left as it was.`,
          { cause: error },
        );
      }
      const stale = await staleLock(lockPath);
      if (stale !== undefined) {
        // Only that lock: another process may have taken over the stale one already and hold a new one.
        if ((await stat(lockPath).catch(() => undefined))?.ino === stale) await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserSecretsError(
          `Another process is changing ${path} (it holds ${lockPath}). Try again; if no user-secrets command is ` +
            `running, delete ${lockPath}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
      continue;
    }
    try {
      await handle.writeFile(`${process.pid} ${hostname()}\n`);
    } finally {
      await handle.close();
    }
    try {
      return await update();
    } finally {
      await unlink(lockPath).catch(() => undefined);
    }
  }
}

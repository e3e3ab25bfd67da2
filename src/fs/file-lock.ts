/**
 * A lock for a read-modify-write of a file that several processes may change at once (a keyring file; `.env` while
 * two `user-secrets set --init` start in a fresh project): like git's `index.lock`, a `FILE.lock` beside the file
 * (beside the file a symlink leads to, which is the one rewritten), created exclusively with the owner's pid, host and
 * pid namespace in it, touched every few seconds while held, and removed when done.
 *
 * A lock is someone's crash, and is taken over, when its owner is gone (no such pid on this host, in this pid
 * namespace) or when it has not been touched for {@link STALE_MS} (its owner is on another machine, in another
 * container, or stopped). The take-over happens under a second lock, `FILE.lock.break`, and only after looking again,
 * so that two processes that both found it stale cannot remove each other's new lock. An owner checks that the lock
 * is still its own before it replaces the file ({@link FileLockHold.assertHeld}) and removes only its own lock, so a
 * process that was stopped while holding it (Ctrl-Z) and whose lock was taken over fails instead of writing over
 * the changes made meanwhile.
 */
import { readlinkSync } from 'node:fs';
import { open, readFile, realpath, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { SecretStorageError } from '../errors.js';

/** A lock not touched for this long has no live owner that is running: its owner touches it every third of it. */
const STALE_MS = 30_000;
const TOUCH_MS = STALE_MS / 3;
/** A lock still empty after this long was left by a process that died between creating it and writing its pid. */
const EMPTY_STALE_MS = 2_000;

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

/** What the function run under the lock can ask of it. */
export interface FileLockHold {
  /**
   * Throws (the caller's error kind) unless the lock is still this process's: to be called just before the file is
   * replaced, so that an owner whose lock was taken over (it was stopped for longer than {@link STALE_MS}) does not
   * write over what the new owner wrote.
   */
  assertHeld(): Promise<void>;
}

let pidNamespace: string | undefined;
/** This process's pid namespace (`pid:[4026531836]`), or '' where there is none to read: pids compare only within one. */
function ownPidNamespace(): string {
  if (pidNamespace === undefined) {
    try {
      pidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      pidNamespace = '';
    }
  }
  return pidNamespace;
}

/** The lock's identity on disk (device and inode): another file at the same path (a new owner's) has another. */
type LockIdentity = string;

/** A lock this process created: its file, kept open so that its inode cannot be reused by another while held. */
interface OwnLock {
  handle: FileHandle;
  identity: LockIdentity;
}

/**
 * Creates `path` exclusively with this process's pid, host and pid namespace in it, or undefined when it exists. A
 * lock that cannot be written whole (a full disk) is removed again.
 */
async function create(path: string): Promise<OwnLock | undefined> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid} ${hostname()} ${ownPidNamespace()}\n`);
    const info = await handle.stat();
    return { handle, identity: `${info.dev}:${info.ino}` };
  } catch (error) {
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
}

/** The identity of the lock now at `path`, or undefined when there is none. */
async function identityOf(path: string): Promise<LockIdentity | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info && `${info.dev}:${info.ino}`;
}

/** Whether the lock at `lockPath` was left by a process that is gone, or has not been touched by a running owner. */
async function isStale(lockPath: string): Promise<boolean> {
  const [info, owner] = await Promise.all([
    stat(lockPath).catch(() => undefined),
    readFile(lockPath, 'utf8').catch(() => ''),
  ]);
  if (!info) return false; // released meanwhile: just try again
  const age = Date.now() - info.mtimeMs;
  if (age > STALE_MS) return true;
  const [pidText, host, namespace] = owner.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return age > EMPTY_STALE_MS; // never written: its creator died at once
  // On another machine (a shared folder), or in another pid namespace (another container or Flatpak instance, where
  // the same pid is another process): only its age can tell.
  if (host !== hostname() || (namespace !== undefined && namespace !== ownPidNamespace())) return false;
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
  const breaking = await create(breakPath);
  if (breaking) await breaking.handle.close();
  if (!breaking) {
    // Held only for a moment, unless its holder crashed right there.
    const info = await stat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_MS) await unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    if (await isStale(lockPath)) await unlink(lockPath).catch(() => undefined);
  } finally {
    if ((await identityOf(breakPath)) === breaking.identity) await unlink(breakPath).catch(() => undefined);
  }
  return true;
}

/**
 * Runs `update` holding the lock for `path`, then removes the lock (also when `update` throws) if it is still this
 * process's.
 * @throws `makeError`'s error (default SecretStorageError) when another process holds the lock past `timeoutMs`, or it
 *   cannot be created (a read-only folder); what `update` throws.
 */
export async function withFileLock<T>(
  path: string,
  update: (hold: FileLockHold) => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${await realpath(path).catch(() => path)}.lock`;
  const makeError =
    options.makeError ?? ((message: string, cause?: unknown) => new SecretStorageError(message, { cause }));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let madeFolder = false;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    let mine: OwnLock | undefined;
    try {
      mine = await create(lockPath);
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
    if (mine) return holding(lockPath, mine, update, makeError, path);
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

/** Runs `update` with the lock `mine` at `lockPath` held: touched while it runs, removed after if still ours. */
async function holding<T>(
  lockPath: string,
  mine: OwnLock,
  update: (hold: FileLockHold) => Promise<T>,
  makeError: (message: string, cause?: unknown) => Error,
  path: string,
): Promise<T> {
  // Our file is open, so its inode is not reused: the same identity at the path is our lock.
  const stillMine = async () => (await identityOf(lockPath)) === mine.identity;
  const touch = setInterval(() => {
    stillMine()
      .then((ours) => (ours ? mine.handle.utimes(new Date(), new Date()) : undefined))
      .catch(() => undefined); // a touch that fails is tried again at the next one
  }, TOUCH_MS);
  touch.unref();
  try {
    return await update({
      assertHeld: async () => {
        if (!(await stillMine())) {
          throw makeError(
            `The lock ${lockPath} was taken over by another process while this one was stopped, so ${path} was ` +
              'not changed (the other process may have changed it meanwhile). Try again.',
          );
        }
      },
    });
  } finally {
    clearInterval(touch);
    if (await stillMine()) await unlink(lockPath).catch(() => undefined);
    await mine.handle.close().catch(() => undefined);
  }
}

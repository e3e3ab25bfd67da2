/**
 * Writing a file so that a reader (or a crash) sees either the old content or the new, never half of it: a temporary
 * file in the same directory, flushed, then renamed over the target. The target's mode is kept unless told; a
 * symlink is followed, so the file it points to is replaced rather than the link, and anything that is not a regular
 * file (a device, a pipe, a link to nowhere) is refused rather than replaced.
 */
import { link, lstat, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from '../crypto/random.js';

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0o600); an existing file keeps its own. */
  newFileMode?: number;
  /** This mode whether the file exists or not (secrets: 0o600 even over a file that was readable by others). */
  mode?: number;
  /** Fail with EEXIST instead of replacing an existing file. */
  exclusive?: boolean;
  /**
   * Called once the new content is flushed, just before it replaces the file; what it throws is thrown, and the file
   * is left as it was (a lock's owner checks here that the lock is still its own).
   */
  beforeReplace?: () => Promise<void>;
}

/**
 * The regular file `path` names (through symlinks) and its mode, or `path` itself when nothing is there.
 * @throws Error (code EINVAL) for a symlink that leads nowhere or to something that is not a regular file (a pipe, a
 *   terminal, /dev/stdout): replacing it would put the content where the caller did not mean it to go.
 */
async function resolveTarget(path: string): Promise<{ target: string; mode?: number }> {
  let link;
  try {
    link = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { target: path };
  }
  const refuse = (what: string) =>
    Object.assign(new Error(`${path} ${what}; give the path of a regular file.`), {
      code: 'EINVAL',
    });
  if (!link.isSymbolicLink()) {
    if (!link.isFile()) throw refuse('is not a regular file');
    // The temporary file goes beside it, in the same folder whatever links lead there: no need to resolve them.
    return { target: path, mode: link.mode & 0o7777 };
  }
  let target: string;
  try {
    target = await realpath(path);
  } catch {
    throw refuse('is a symbolic link that leads to no file');
  }
  const status = await stat(target);
  if (!status.isFile()) throw refuse('is not a regular file');
  return { target, mode: status.mode & 0o7777 };
}

/**
 * Removes the temporary files that writes of `path` left when they were killed before their rename: only while no
 * write of `path` can be under way (its caller holds the file's lock).
 */
export async function removeTemporaries(path: string): Promise<void> {
  const folder = dirname(path);
  const prefix = `.${basename(path)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  const leftovers = names.filter(
    (name) => name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length)),
  );
  await Promise.all(leftovers.map((name) => unlink(join(folder, name)).catch(() => undefined)));
}

/**
 * Replaces `path` with `content` atomically, keeping the file's mode.
 * @throws the file system's error (ENOENT for a missing directory, EACCES, EEXIST with `exclusive`); the old file is
 *   then untouched and no temporary file is left behind.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { target, mode: existingMode } = await resolveTarget(path);
  if (options.exclusive && existingMode !== undefined) {
    throw Object.assign(new Error(`${path} already exists.`), { code: 'EEXIST' });
  }
  const mode = options.mode ?? existingMode ?? options.newFileMode ?? 0o600;
  const temporary = join(dirname(target), `.${basename(target)}.${Buffer.from(randomBytes(6)).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.writeFile(content);
      // The umask may have narrowed the mode given to open().
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeReplace?.();
    if (options.exclusive) {
      // link() fails with EEXIST instead of replacing, so a file created meanwhile is not overwritten either.
      await link(temporary, target);
      await unlink(temporary);
    } else {
      await rename(temporary, target);
    }
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/**
 * Writing a file so that a reader (or a crash) sees either the old content or the new, never half of it: a temporary
 * file in the same directory, flushed, then renamed over the target. The target's mode is kept; a symlink is
 * followed, so the file it points to is replaced rather than the link.
 */
import { link, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from '../crypto/random.js';

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0o600); an existing file keeps its own. */
  newFileMode?: number;
  /** Fail with EEXIST instead of replacing an existing file. */
  exclusive?: boolean;
}

async function resolveTarget(path: string): Promise<{ target: string; mode?: number }> {
  try {
    const target = await realpath(path);
    return { target, mode: (await stat(target)).mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { target: path };
  }
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
  const mode = existingMode ?? options.newFileMode ?? 0o600;
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

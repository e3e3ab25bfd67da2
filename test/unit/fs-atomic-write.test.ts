/**
 * src/fs/: replacing a file atomically (writeFileAtomic) and the lock beside it (withFileLock), on a throwaway
 * folder: modes, symlinks (to the file and to its folder), what is refused, what is left behind, and the folder a
 * lock's caller creates only when it is missing.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';
import { withFileLock } from '../../src/fs/file-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fs-atomic-'));
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('writeFileAtomic', () => {
  it('creates a file 0600 by default, keeps an existing file’s mode, or sets the mode it is given', async () => {
    const path = join(dir, 'f');
    await writeFileAtomic(path, 'one');
    expect(readFileSync(path, 'utf8')).toBe('one');
    expect(modeOf(path)).toBe(0o600);
    chmodSync(path, 0o640);
    await writeFileAtomic(path, 'two');
    expect(modeOf(path)).toBe(0o640);
    await writeFileAtomic(path, 'three', { mode: 0o600 });
    expect([readFileSync(path, 'utf8'), modeOf(path)]).toEqual(['three', 0o600]);
    expect(readdirSync(dir)).toEqual(['f']);
  });

  it('replaces the file a symlink leads to and leaves the link a link', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'target'), 'old', { mode: 0o644 });
    symlinkSync(join(dir, 'real', 'target'), join(dir, 'link'));
    await writeFileAtomic(join(dir, 'link'), 'new');
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real', 'target'), 'utf8')).toBe('new');
    expect(modeOf(join(dir, 'real', 'target'))).toBe(0o644);
    expect(readdirSync(join(dir, 'real'))).toEqual(['target']);
  });

  it('writes through a symlinked folder into the folder it leads to', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'f'), 'old');
    symlinkSync(join(dir, 'real'), join(dir, 'via'));
    await writeFileAtomic(join(dir, 'via', 'f'), 'new');
    expect(readFileSync(join(dir, 'real', 'f'), 'utf8')).toBe('new');
    expect(readdirSync(join(dir, 'real'))).toEqual(['f']);
  });

  it('refuses a link to nowhere, a folder and a pipe (EINVAL), and an existing file when exclusive (EEXIST)', async () => {
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    await expect(writeFileAtomic(join(dir, 'dangling'), 'x')).rejects.toMatchObject({ code: 'EINVAL' });
    mkdirSync(join(dir, 'folder'));
    await expect(writeFileAtomic(join(dir, 'folder'), 'x')).rejects.toMatchObject({ code: 'EINVAL' });
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await expect(writeFileAtomic(join(dir, 'pipe'), 'x')).rejects.toMatchObject({ code: 'EINVAL' });
    writeFileSync(join(dir, 'f'), 'old');
    await expect(writeFileAtomic(join(dir, 'f'), 'x', { exclusive: true })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['dangling', 'f', 'folder', 'pipe']);
  });

  it('leaves the old file and no temporary file when the folder cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: a read-only folder refuses nothing. A missing folder fails the same way.
      await expect(writeFileAtomic(join(dir, 'no', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(readdirSync(dir)).toEqual([]);
      return;
    }
    writeFileSync(join(dir, 'f'), 'old');
    chmodSync(dir, 0o500);
    await expect(writeFileAtomic(join(dir, 'f'), 'new')).rejects.toMatchObject({ code: 'EACCES' });
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f']);
  });
});

describe('withFileLock', () => {
  it('creates a missing folder through makeFolder, once, then locks in it', async () => {
    const path = join(dir, 'a', 'b', 'file');
    let made = 0;
    const result = await withFileLock(
      path,
      async () => {
        expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['file.lock']);
        return 'ran';
      },
      {
        makeFolder: async () => {
          made++;
          await mkdir(join(dir, 'a', 'b'), { recursive: true, mode: 0o700 });
        },
      },
    );
    expect([result, made]).toEqual(['ran', 1]);
    expect(existsSync(`${path}.lock`)).toBe(false);
    // The folder exists now: makeFolder is not called again.
    await withFileLock(path, async () => undefined, { makeFolder: async () => void made++ });
    expect(made).toBe(1);
  });

  it('says the folder is missing when there is no makeFolder, or it made none', async () => {
    const path = join(dir, 'missing', 'file');
    await expect(withFileLock(path, async () => 'ran')).rejects.toThrow(/Cannot change .*ENOENT creating/);
    await expect(withFileLock(path, async () => 'ran', { makeFolder: async () => undefined })).rejects.toThrow(
      /Cannot change .*ENOENT creating/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

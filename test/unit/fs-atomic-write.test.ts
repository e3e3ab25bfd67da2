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
  utimesSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

  it("a lock from another pid namespace (another container's) is judged by its age, not by a pid that means nothing here", async () => {
    const path = join(dir, 'file');
    const foreign = `999999999 ${hostname()} pid:[1]\n`; // no such pid here, but in its own namespace it may be alive
    writeFileSync(`${path}.lock`, foreign);
    await expect(withFileLock(path, async () => 'ran', { timeoutMs: 300 })).rejects.toThrow(
      /Another process is changing/,
    );
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(foreign);
    // Not touched for more than 30 s: its owner is gone or stopped, and the lock is taken over.
    const old = new Date(Date.now() - 31_000);
    utimesSync(`${path}.lock`, old, old);
    expect(await withFileLock(path, async () => 'ran', { timeoutMs: 300 })).toBe('ran');
    // The same pid written from this namespace is known to be gone: taken over at once.
    writeFileSync(`${path}.lock`, `999999999 ${hostname()} ${readlinkSync('/proc/self/ns/pid')}\n`);
    expect(await withFileLock(path, async () => 'ran', { timeoutMs: 300 })).toBe('ran');
  });

  it('an empty lock (its creator died before writing its pid, or the disk was full) is taken over after 2 s, not 30', async () => {
    const path = join(dir, 'file');
    writeFileSync(`${path}.lock`, '');
    await expect(withFileLock(path, async () => 'ran', { timeoutMs: 300 })).rejects.toThrow(/Another process/);
    const old = new Date(Date.now() - 3_000);
    utimesSync(`${path}.lock`, old, old);
    expect(await withFileLock(path, async () => 'ran', { timeoutMs: 300 })).toBe('ran');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("an owner whose lock was taken over writes nothing and leaves the new owner's lock in place", async () => {
    const path = join(dir, 'file');
    writeFileSync(path, 'before');
    const newOwner = `${process.pid} ${hostname()} another\n`;
    const attempt = withFileLock(path, async (hold) => {
      // Meanwhile (this process stopped for over 30 s), another process broke the lock and took it.
      rmSync(`${path}.lock`);
      writeFileSync(`${path}.lock`, newOwner);
      await writeFileAtomic(path, 'after', { beforeReplace: hold.assertHeld });
    });
    await expect(attempt).rejects.toThrow(/was taken over by another process while this one was stopped/);
    expect(readFileSync(path, 'utf8')).toBe('before');
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(newOwner);
    expect(readdirSync(dir).sort()).toEqual(['file', 'file.lock']); // no temporary file left
  });

  it('the owner touches its lock while it holds it, so a slow update is never taken for a crash', async () => {
    const path = join(dir, 'file');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      await withFileLock(path, async () => {
        const old = new Date(Date.now() - 25_000);
        utimesSync(`${path}.lock`, old, old);
        await vi.advanceTimersByTimeAsync(10_000);
        await vi.waitFor(() => expect(Date.now() - statSync(`${path}.lock`).mtimeMs).toBeLessThan(5_000), {
          timeout: 5_000,
          interval: 5,
        });
      });
    } finally {
      vi.useRealTimers();
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

/**
 * What the keyring-file backend does when it is misused or raced (found by a review that tried to lose data): a
 * closed KeyringFile, a transaction function that awaits, libsecret writing the file (it takes no lock) in the middle
 * of a transaction, a pipe at the path, a damaged iteration count, the temporary files a killed writer leaves, and
 * the password kept out of JSON as out of inspect.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyringFileError, KeyringFileFormatError, KeyringFileKeyError } from '../../src/errors.js';
import { parseKeyringFile, serializeKeyringFile } from '../../src/keyring-file-format/file-layout.js';
import { KeyringFile } from '../../src/keyring/index.js';

const dir = mkdtempSync(join(tmpdir(), 'secretstorage-file-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const freshPath = () => {
  const path = join(dir, `k${++counter}`, 'test.keyring');
  mkdirSync(dirname(path), { recursive: true });
  return path;
};
const PASSWORD = 'correct horse';
const item = (name: string, secret = `secret of ${name}`) => ({
  attributes: { name },
  label: name,
  secret: new TextEncoder().encode(secret),
});
const names = async (path: string) =>
  (await new KeyringFile(path, PASSWORD).searchItems({})).map((found) => found.attributes.name).sort();

/** secret-tool with libsecret's own file backend (no bus), synchronously. */
function secretToolSync(path: string, args: string[], input: string) {
  return spawnSync('secret-tool', args, {
    input,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      SECRET_BACKEND: 'file',
      SECRET_FILE_TEST_PATH: path,
      SECRET_FILE_TEST_PASSWORD: PASSWORD,
    },
  });
}

describe('a closed KeyringFile', () => {
  it('refuses every later call, and a close during a first write waits for it (the file opens with the password)', async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    const storing = file.storeItem(item('first'));
    const closing = file.close();
    await storing;
    await closing;
    expect(await names(path)).toEqual(['first']);
    await expect(file.storeItem(item('second'))).rejects.toThrow(KeyringFileError);
    await expect(file.searchItems({})).rejects.toThrow(/was closed; open the file again/);
    expect(await names(path)).toEqual(['first']);
  });

  it('a reader() taken before close() refuses to search after it', async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    await file.storeItem(item('a'));
    const search = await file.reader();
    expect(search({ name: 'a' })).toHaveLength(1);
    await file.close();
    expect(() => search({ name: 'a' })).toThrow(/was closed/);
  });
});

describe('transactions', () => {
  it('a transaction function that returns a promise is refused and writes nothing; its draft cannot be used later', async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    await file.storeItem(item('seed'));
    let late: Promise<unknown> | undefined;
    const attempt = file.transaction(async (draft) => {
      const [seed] = draft.search({ name: 'seed' });
      draft.remove(seed.id);
      late = Promise.resolve().then(() => draft.create(item('rotated')));
      await late;
    });
    await expect(attempt).rejects.toThrow(/returned a promise: it must make its changes before it returns/);
    await expect(late).rejects.toThrow(/used after its transaction ended/);
    expect(await names(path)).toEqual(['seed']);
    await file.close();
  });

  it('libsecret writing the file in the middle of a transaction (it takes no lock): both changes are kept', async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    await file.storeItem(item('ours-1'));
    let runs = 0;
    await file.transaction((draft) => {
      // Between this transaction's read and its rename, another program rewrites the file (once).
      if (++runs === 1) {
        const stored = secretToolSync(path, ['store', '--label=theirs', 'name', 'theirs'], 'their secret');
        expect(stored.status, stored.stderr.toString()).toBe(0);
      }
      draft.create(item('ours-2'));
    });
    expect(runs).toBe(2);
    expect(await names(path)).toEqual(['ours-1', 'ours-2', 'theirs']);
    const lookup = secretToolSync(path, ['lookup', 'name', 'ours-2'], '');
    expect(lookup.stdout.toString()).toBe('secret of ours-2');
    await file.close();
  });

  it('gives up, writing nothing, when the file is replaced during every attempt', async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    await file.storeItem(item('seed'));
    const before = readFileSync(path);
    let runs = 0;
    const attempt = file.transaction((draft) => {
      runs++;
      writeFileSync(`${path}.new`, before);
      execFileSync('mv', [`${path}.new`, path]); // a new inode each time, as every keyring writer renames
      draft.create(item('never'));
    });
    await expect(attempt).rejects.toThrow(/Another program replaced .* while each of 5 attempts/);
    expect(runs).toBe(5);
    expect(await names(path)).toEqual(['seed']);
    await file.close();
  });
});

describe('what is at the path', () => {
  it('a pipe is refused at once, not waited on (it would hold one of the four libuv threads for ever)', async () => {
    const path = freshPath();
    execFileSync('mkfifo', [path]);
    const file = new KeyringFile(path, PASSWORD);
    await expect(file.searchItems({})).rejects.toThrow(/is not a regular file, so it is not a keyring file/);
    await expect(file.storeItem(item('x'))).rejects.toThrow(KeyringFileError);
    expect(readdirSync(dirname(path))).toEqual(['test.keyring']); // no lock left behind
    await file.close();
  });

  it("an iteration count beyond any writer's is refused as damage, not spent minutes on and blamed on the password", async () => {
    const path = freshPath();
    const file = new KeyringFile(path, PASSWORD);
    await file.storeItem(item('a'));
    await file.close();
    const contents = parseKeyringFile(readFileSync(path), path);
    writeFileSync(path, serializeKeyringFile({ ...contents, iterationCount: 67_208_864 }));
    const error = await new KeyringFile(path, PASSWORD).searchItems({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyringFileFormatError);
    expect(error).not.toBeInstanceOf(KeyringFileKeyError);
    expect((error as Error).message).toMatch(/an iteration count of 67208864, where libsecret and oo7 write 100,000/);
  });

  it('the temporary files a killed writer left beside the file (whole copies of it) are removed by the next write', async () => {
    const path = freshPath();
    const first = new KeyringFile(path, PASSWORD);
    await first.storeItem(item('a'));
    await first.close();
    const leftover = join(dirname(path), '.test.keyring.0123456789ab.tmp');
    const unrelated = join(dirname(path), '.other.keyring.0123456789ab.tmp');
    writeFileSync(leftover, readFileSync(path));
    writeFileSync(unrelated, 'not ours');
    const second = new KeyringFile(path, PASSWORD);
    await second.storeItem(item('b'));
    expect(readdirSync(dirname(path)).sort()).toEqual(['.other.keyring.0123456789ab.tmp', 'test.keyring']);
    await second.close();
  });
});

it('the password appears neither in JSON nor in inspect nor in a spread of the object', async () => {
  const path = freshPath();
  const file = new KeyringFile(path, 'hunter2-unique-password');
  await file.storeItem(item('a'));
  const bytes = [...new TextEncoder().encode('hunter2-unique-password')].join(',');
  for (const shown of [JSON.stringify(file), inspect(file), inspect({ ...file }, { showHidden: true, depth: 9 })]) {
    expect(shown).not.toContain('hunter2');
    expect(shown.replace(/\s/g, '')).not.toContain(bytes);
    expect(shown).not.toMatch(/"0":104/);
  }
  expect(JSON.parse(JSON.stringify(file))).toEqual({ path });
  await file.close();
});

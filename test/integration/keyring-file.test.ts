/**
 * The keyring-file backend with no daemon at all: interop both ways with libsecret's own file backend (real
 * `secret-tool` with SECRET_BACKEND=file, no bus), the password API and keytar drop-in over a file, damaged and
 * hostile files left byte for byte as they were, and concurrent writers in separate processes losing nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeKeyringFiles } from '../../src/backend/choose.js';
import {
  InvalidArgumentError,
  KeyringFileFormatError,
  KeyringFileIntegrityError,
  KeyringFileKeyError,
  KeyringFileVersionError,
} from '../../src/errors.js';
import { deletePassword, findCredentials, getCredential, getPassword, storePassword } from '../../src/keyring/index.js';
import { parseKeyringFile } from '../../src/keyring-file-format/file-layout.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { KeyringFile } from '../../src/keyring/index.js';
import fc from 'fast-check';

const dir = mkdtempSync(join(tmpdir(), 'secretstorage-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => closeKeyringFiles());

let counter = 0;
const freshPath = () => join(dir, `k${++counter}`, 'test.keyring');
const PASSWORD = 'correct horse';

/** libsecret's file backend, as its tests use it: no bus at all (DBUS_SESSION_BUS_ADDRESS unset). */
function secretTool(path: string, args: string[], input?: string, password = PASSWORD) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    SECRET_BACKEND: 'file',
    SECRET_FILE_TEST_PATH: path,
    SECRET_FILE_TEST_PASSWORD: password,
  };
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = execFile('secret-tool', args, { env }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

const fileOptions = (path: string, filePassword = PASSWORD) =>
  ({ backend: 'file', filePath: path, filePassword }) as const;

describe('interop with libsecret 0.20.5 in file mode (secret-tool, no daemon)', () => {
  it('secret-tool writes; we read, update and delete; secret-tool sees each change', async () => {
    const path = freshPath();
    const stored = await secretTool(
      path,
      ['store', '--label=Mail', 'service', 'mail.example', 'username', 'ann'],
      'first ✓',
    );
    expect(stored.code).toBe(0);
    const options = fileOptions(path);
    expect(await getPassword('mail.example', 'ann', options)).toBe('first ✓');
    expect(await getCredential('mail.example', undefined, options)).toEqual({ username: 'ann', password: 'first ✓' });
    // Python keyring's profile looks up {username, service}: secret-tool's item is its own, and is updated in place.
    const result = await storePassword('mail.example', 'ann', 'second', options);
    expect(result).toMatchObject({ action: 'updated', updated: 1 });
    expect((await secretTool(path, ['lookup', 'service', 'mail.example', 'username', 'ann'])).stdout).toBe('second');
    const search = await secretTool(path, ['search', '--all', 'service', 'mail.example']);
    expect(search.stdout).toMatch(/label = Mail/);
    expect(await deletePassword('mail.example', 'ann', options)).toBe(true);
    const after = await secretTool(path, ['lookup', 'service', 'mail.example', 'username', 'ann']);
    expect(after.stdout).toBe('');
    expect(await getPassword('mail.example', 'ann', options)).toBeNull();
    // A file another process rewrote since our last read is read again (not served from what we parsed before).
    await secretTool(path, ['store', '--label=Mail', 'service', 'mail.example', 'username', 'ann'], 'third');
    expect(await getPassword('mail.example', 'ann', options)).toBe('third');
    await secretTool(path, ['store', '--label=Mail', 'service', 'mail.example', 'username', 'ann'], 'fourth');
    expect(await getPassword('mail.example', 'ann', options)).toBe('fourth');
  });

  it('we write in every profile; secret-tool reads each, label and attributes included', async () => {
    const path = freshPath();
    await storePassword('svc', 'py', 'python ✓', { ...fileOptions(path), profile: 'python-keyring' });
    await storePassword('svc', 'kt', 'keytar', { ...fileOptions(path), profile: 'keytar' });
    await storePassword('svc', 'rs', 'rust', { ...fileOptions(path), profile: 'keyring-rs' });
    const lookup = async (...attributes: string[]) => (await secretTool(path, ['lookup', ...attributes])).stdout;
    expect(await lookup('service', 'svc', 'username', 'py', 'application', 'Python keyring library')).toBe('python ✓');
    expect(await lookup('service', 'svc', 'account', 'kt', 'xdg:schema', 'org.freedesktop.Secret.Generic')).toBe(
      'keytar',
    );
    expect(await lookup('service', 'svc', 'username', 'rs')).toBe('rust');
    // secret-tool prints the attributes on stderr.
    const { stdout, stderr } = await secretTool(path, ['search', '--all', 'service', 'svc', 'username', 'rs']);
    const search = stdout + stderr;
    expect(search).toMatch(/label = keyring:rs@svc/);
    // keyring-rs stores bytes: its content type is kept as oo7 keeps it, in an attribute.
    expect(search).toMatch(/attribute\.xdg:content-type = application\/octet-stream/);
    expect(await findCredentials('svc', fileOptions(path))).toEqual([
      { username: 'kt', password: 'keytar' },
      { username: 'py', password: 'python ✓' },
      { username: 'rs', password: 'rust' },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('secret-tool with another password finds nothing in our file, and we refuse its items', async () => {
    const path = freshPath();
    await storePassword('svc', 'u', 'pw', fileOptions(path));
    expect((await secretTool(path, ['lookup', 'service', 'svc'], undefined, 'other')).stdout).toBe('');
    await expect(getPassword('svc', 'u', fileOptions(path, 'other'))).rejects.toThrow(KeyringFileKeyError);
  });
});

describe('the password API over a keyring file', () => {
  it('round-trips passwords of every shape', async () => {
    const path = freshPath();
    const options = fileOptions(path);
    for (const password of ['', 'a', 'ü'.repeat(1000), '\u{1F511} key', 'line\nbreak', ' spaced ']) {
      await storePassword('shapes', 'u', password, options);
      expect(await getPassword('shapes', 'u', options)).toBe(password);
    }
    expect(await getPassword('shapes', 'nobody', options)).toBeNull();
  });

  it('the environment alone selects it (SECRETSTORAGE_BACKEND=file), for programs that cannot change their code', async () => {
    const path = freshPath();
    const env = { SECRETSTORAGE_BACKEND: 'file', SECRETSTORAGE_FILE_PATH: path, SECRETSTORAGE_FILE_PASSWORD: 'pw' };
    const script = `
      const keytar = (await import('./src/keytar.ts')).default;
      await keytar.setPassword('app', 'me', 'from keytar');
      console.log(JSON.stringify([await keytar.getPassword('app', 'me'), await keytar.findCredentials('app')]));`;
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: dir, ...env } },
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(output)).toEqual(['from keytar', [{ account: 'me', password: 'from keytar' }]]);
    expect((await secretTool(path, ['lookup', 'service', 'app', 'account', 'me'], undefined, 'pw')).stdout).toBe(
      'from keytar',
    );
  });

  it('refuses a file backend without a password, and collections a file does not have', async () => {
    await expect(getPassword('s', 'u', { backend: 'file', filePath: freshPath() })).rejects.toThrow(
      /SECRETSTORAGE_FILE_PASSWORD/,
    );
    await expect(getPassword('s', 'u', { ...fileOptions(freshPath()), collection: 'login' })).rejects.toThrow(
      InvalidArgumentError,
    );
    // An empty filePath is a mistake, not "no file": get said null and set failed with ENOENT.
    for (const call of [
      () => getPassword('s', 'u', fileOptions('')),
      () => storePassword('s', 'u', 'p', fileOptions('')),
    ]) {
      await expect(call()).rejects.toMatchObject({ name: 'InvalidArgumentError', argument: 'filePath' });
    }
  });
});

describe('damaged and hostile files are reported and left as they were', () => {
  const fixture = readFileSync(new URL('../fixtures/libsecret-0.20.5.keyring', import.meta.url));
  const cases: [string, (bytes: Buffer) => Buffer, new (...args: never[]) => Error][] = [
    ['truncated', (bytes) => bytes.subarray(0, bytes.length - 7), KeyringFileFormatError],
    [
      'of an unknown version',
      (bytes) => Buffer.concat([bytes.subarray(0, 16), Buffer.of(2, 0), bytes.subarray(18)]),
      KeyringFileVersionError,
    ],
    ['not a keyring file', () => Buffer.from('{"not": "a keyring"}'), KeyringFileFormatError],
    [
      'with an altered item',
      (bytes) => {
        const copy = Buffer.from(bytes);
        copy[bytes.length - 60] ^= 0x40; // inside the last item's MAC
        return copy;
      },
      KeyringFileIntegrityError,
    ],
  ];
  for (const [what, damage, type] of cases) {
    it(`a file ${what}`, async () => {
      const path = freshPath();
      const options = fileOptions(path, 'fixture password');
      rmSync(join(path, '..'), { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(join(path, '..'), { recursive: true }));
      const bytes = damage(fixture);
      writeFileSync(path, bytes);
      // Reading the damaged item (or the whole file), deleting it, writing: each fails, and the file is unchanged.
      await expect(getPassword('sérvice ✓', 'ália', { ...options, profile: 'keytar' })).rejects.toThrow(type);
      await expect(deletePassword('sérvice ✓', 'ália', options)).rejects.toThrow(type);
      if (type !== KeyringFileIntegrityError) {
        await expect(storePassword('other', 'u', 'x', options)).rejects.toThrow(type);
      }
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(readdirSync(join(path, '..'))).toEqual(['test.keyring']);
      if (type === KeyringFileIntegrityError) {
        // A write that does not touch the damaged item goes ahead, and carries that item over byte for byte.
        await storePassword('other', 'u', 'x', options);
        const damaged = parseKeyringFile(bytes, path).items[1].blob;
        const after = parseKeyringFile(readFileSync(path), path).items.map((item) => Buffer.from(item.blob));
        expect(after.some((blob) => blob.equals(damaged))).toBe(true);
        expect(await getPassword('other', 'u', options)).toBe('x');
      }
    });
  }

  it('a wrong password: KeyringFileKeyError for reads and writes, file unchanged', async () => {
    const path = freshPath();
    await storePassword('s', 'u', 'p', fileOptions(path));
    const before = readFileSync(path);
    await expect(getPassword('s', 'u', fileOptions(path, 'wrong'))).rejects.toThrow(KeyringFileKeyError);
    await expect(storePassword('s', 'v', 'p', fileOptions(path, 'wrong'))).rejects.toThrow(KeyringFileKeyError);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('KeyringFile, the item API (secretstorage/keyring)', () => {
  it('round-trips every shape of attributes, label, secret and content type through the file', async () => {
    const file = new KeyringFile(freshPath(), PASSWORD);
    const text = fc.string({ unit: 'grapheme' }).filter((value) => !value.includes('\0'));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          text.filter((name) => name !== '' && name !== 'xdg:content-type'),
          text,
          { maxKeys: 6 },
        ),
        text,
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('text/plain', 'application/octet-stream', 'application/json'),
        async (attributes, label, secret, contentType) => {
          const id = await file.storeItem({ attributes: { ...attributes, shape: 'yes' }, label, secret, contentType });
          const found = await file.searchItems({ ...attributes, shape: 'yes' });
          const item = found.find((candidate) => candidate.id === id)!;
          expect(item).toMatchObject({ attributes: { ...attributes, shape: 'yes' }, label, contentType });
          expect(Buffer.from(item.secret).equals(Buffer.from(secret))).toBe(true);
          await file.deleteItems({ ...attributes, shape: 'yes' });
        },
      ),
      { numRuns: 25 },
    );
    expect(await file.searchItems({})).toEqual([]);
    await file.close();
  });

  it('storeItem replaces an item with exactly the same attributes and keeps its creation time; secret-tool agrees', async () => {
    const path = freshPath();
    await secretTool(path, ['store', '--label=first', 'app', 'x', 'user', 'me'], 'one');
    const file = new KeyringFile(path, PASSWORD);
    const [before] = await file.searchItems({ app: 'x' });
    await file.storeItem({ attributes: { app: 'x', user: 'me' }, label: 'second', secret: Buffer.from('two') });
    await file.storeItem({
      attributes: { app: 'x', user: 'me', extra: '1' },
      label: 'third',
      secret: Buffer.from('3'),
    });
    const items = await file.searchItems({ app: 'x' });
    expect(items.map((item) => item.label).sort()).toEqual(['second', 'third']);
    expect(items.find((item) => item.label === 'second')!.created).toBe(before.created);
    expect((await secretTool(path, ['lookup', 'app', 'x', 'user', 'me', 'extra', '1'])).stdout).toBe('3');
    expect(await file.deleteItems({ app: 'x' })).toBe(2);
    expect((await secretTool(path, ['lookup', 'app', 'x'])).stdout).toBe('');
    await file.close();
  });
});

describe('a file another writer changed since this one read or wrote it', () => {
  it("two KeyringFiles on one path see each other's writes, an older copy put back, and secret-tool's", async () => {
    const path = freshPath();
    const a = new KeyringFile(path, PASSWORD);
    const b = new KeyringFile(path, PASSWORD);
    const store = (file: KeyringFile, name: string) =>
      file.storeItem({ attributes: { name }, label: name, secret: Buffer.from(name) });
    const names = async (file: KeyringFile) => (await file.searchItems({})).map((item) => item.label).sort();
    await store(a, 'x');
    const onlyX = readFileSync(path);
    await store(b, 'y');
    await store(a, 'z');
    expect(await names(a)).toEqual(['x', 'y', 'z']);
    expect(await names(b)).toEqual(['x', 'y', 'z']);
    // The file as it was after the first write, put back (a backup restored): both read that, and write on it.
    writeFileSync(path, onlyX);
    expect(await names(a)).toEqual(['x']);
    await store(b, 'w');
    expect(await names(a)).toEqual(['w', 'x']);
    await secretTool(path, ['store', '--label=v', 'name', 'v'], 'v');
    await store(a, 'u');
    expect(await names(b)).toEqual(['u', 'v', 'w', 'x']);
    expect((await secretTool(path, ['lookup', 'name', 'w'])).stdout).toBe('w');
    await Promise.all([a.close(), b.close()]);
  });
});

describe('concurrent writers', () => {
  it('four processes storing 10 passwords each at once: all 40 are in the file', async () => {
    const path = freshPath();
    const writer = (n: number) => `
      const { storePassword } = await import('./src/keyring/index.ts');
      for (let i = 0; i < 10; i++) await storePassword('race', 'w${n}-' + i, 'p${n}-' + i);`;
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      SECRETSTORAGE_BACKEND: 'file',
      SECRETSTORAGE_FILE_PATH: path,
      SECRETSTORAGE_FILE_PASSWORD: PASSWORD,
    };
    const runs = [0, 1, 2, 3].map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer(n)], {
            cwd: REPO_ROOT,
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${n}: ${code} ${stderr}`))));
        }),
    );
    await Promise.all(runs);
    const found = await findCredentials('race', fileOptions(path));
    expect(found).toHaveLength(40);
    for (let n = 0; n < 4; n++) {
      for (let i = 0; i < 10; i++) expect(found).toContainEqual({ username: `w${n}-${i}`, password: `p${n}-${i}` });
    }
    expect(readdirSync(join(path, '..'))).toEqual(['test.keyring']);
  }, 120_000);
});

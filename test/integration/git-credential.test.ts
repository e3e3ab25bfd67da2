/**
 * `secretstorage git-credential` as git uses it: real `git credential fill/approve/reject` with the built CLI as the
 * helper, on a private gnome-keyring; and interop both ways with git-credential-libsecret, built from the copy of its
 * source that Debian's git package ships (/usr/share/doc/git/contrib/credential/libsecret), with `make`, into a temporary
 * directory (skipped, with one line, where that cannot be done).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchItems } from '../../src/index.js';
import { externalBusAddress, useKeyring } from '../helpers/keyring.js';
import { BUILT_CLI, finished, killWhenTestEnds } from '../helpers/processes.js';

const LIBSECRET_SOURCE = '/usr/share/doc/git/contrib/credential/libsecret';
const root = mkdtempSync(join(tmpdir(), 'git-credential-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `!…` helper strings for git: this CLI (built), and git-credential-libsecret once built. */
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const OURS = `!${quote(process.execPath)} ${quote(BUILT_CLI)} git-credential`;

let counter = 0;
const uniqueHost = () => `host-${process.pid}-${++counter}.example`;

interface GitRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `git credential ACTION` with only `helper` configured, the description on stdin, no terminal prompts. */
async function git(action: string, description: string, helper: string, address: string, extra: string[] = []) {
  const child = killWhenTestEnds(
    spawn('git', ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`, ...extra, 'credential', action], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: root,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: join(root, 'no-gitconfig'),
        GIT_TERMINAL_PROMPT: '0',
        DBUS_SESSION_BUS_ADDRESS: address,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  child.stdin!.end(description);
  const result = await finished(child);
  return { code: result.code, stdout: result.stdout, stderr: result.stderr } as GitRun;
}

const describe_ = (fields: Record<string, string>) =>
  `${Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n\n`;

const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' });
const hasGit = !gitVersion.error && gitVersion.status === 0;
if (!hasGit) console.log('git-credential.test.ts: skipped: git is not installed (apt-get install git)');

describe.skipIf(!hasGit)('secretstorage git-credential with real git', () => {
  const k = useKeyring();

  beforeAll(() => {
    expect(existsSync(BUILT_CLI), 'run `npm run build` first').toBe(true);
  });

  /** The items stored for `host`, with their labels. */
  async function stored(host: string) {
    const items = await searchItems(k.conn, { server: host });
    return Promise.all(
      items.map(async (item) => ({ label: await item.getLabel(), attributes: await item.getAttributes() })),
    );
  }

  it('approve stores the login as git-credential-libsecret does; fill reads it back; reject erases it', async () => {
    const host = uniqueHost();
    const approve = await git(
      'approve',
      describe_({ protocol: 'https', host, username: 'alice', password: 's3cret pass' }),
      OURS,
      k.address,
    );
    expect(approve, approve.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await stored(host)).toEqual([
      {
        label: `Git: https://${host}/`,
        attributes: {
          protocol: 'https',
          server: host,
          user: 'alice',
          'xdg:schema': 'org.gnome.keyring.NetworkPassword',
        },
      },
    ]);
    const fill = await git('fill', describe_({ protocol: 'https', host }), OURS, k.address);
    expect(fill).toMatchObject({
      code: 0,
      stdout: `protocol=https\nhost=${host}\nusername=alice\npassword=s3cret pass\n`,
    });
    const reject = await git('reject', describe_({ protocol: 'https', host, username: 'alice' }), OURS, k.address);
    expect(reject.code, reject.stderr).toBe(0);
    expect(await stored(host)).toEqual([]);
    const again = await git('fill', describe_({ protocol: 'https', host }), OURS, k.address);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/terminal prompts disabled/);
  });

  it('keeps the port and, with credential.useHttpPath, the path; a second approve replaces the first', async () => {
    const host = uniqueHost();
    const useHttpPath = ['-c', 'credential.useHttpPath=true'];
    for (const password of ['first', 'second']) {
      const url = describe_({
        protocol: 'https',
        host: `${host}:8443`,
        path: 'org/repo.git',
        username: 'bob',
        password,
      });
      expect((await git('approve', url, OURS, k.address, useHttpPath)).code).toBe(0);
    }
    expect(await stored(host)).toEqual([
      {
        label: `Git: https://${host}:8443/org/repo.git`,
        attributes: {
          protocol: 'https',
          server: host,
          port: '8443',
          object: 'org/repo.git',
          user: 'bob',
          'xdg:schema': 'org.gnome.keyring.NetworkPassword',
        },
      },
    ]);
    const fill = await git(
      'fill',
      describe_({ protocol: 'https', host: `${host}:8443`, path: 'org/repo.git' }),
      OURS,
      k.address,
      useHttpPath,
    );
    expect(fill.stdout).toContain('username=bob\npassword=second\n');
    // Another path on the same host is another login.
    const other = await git(
      'fill',
      describe_({ protocol: 'https', host: `${host}:8443`, path: 'org/other.git' }),
      OURS,
      k.address,
      useHttpPath,
    );
    expect(other.code).not.toBe(0);
  });

  it('refuses what git-credential-libsecret refuses, saying so, and ignores operations it does not know', async () => {
    const run = async (args: string[], input: string) => {
      const child = killWhenTestEnds(
        spawn(process.execPath, [BUILT_CLI, 'git-credential', ...args], {
          env: { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: k.address },
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      );
      child.stdin!.end(input);
      return finished(child);
    };
    const noHost = await run(['get'], 'protocol=https\n\n');
    expect(noHost).toMatchObject({ code: 1, stdout: '' });
    expect(noHost.stderr).toContain('get needs protocol and host (or path); nothing was done.');
    const noPassword = await run(['store'], `protocol=https\nhost=${uniqueHost()}\nusername=a\n\n`);
    expect(noPassword.code).toBe(1);
    expect((await run(['erase'], 'password=x\n\n')).code).toBe(1);
    const bad = await run(['get'], 'protocol https\n\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid credential line 1 (14 bytes without "=")');
    expect(await run(['frobnicate'], '')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const none = await run([], '');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('expected an operation: get, store or erase.');
    // Nothing stored: get answers with the username it was given, as git-credential-libsecret does.
    const absent = await run(['get'], `protocol=https\nhost=${uniqueHost()}\nusername=carol\n\n`);
    expect(absent).toMatchObject({ code: 0, stdout: 'username=carol\n', stderr: '' });
  });
});

/** git-credential-libsecret built with make from Debian's copy, or why it could not be. */
function buildLibsecretHelper(): { path?: string; why?: string } {
  if (!existsSync(join(LIBSECRET_SOURCE, 'git-credential-libsecret.c'))) {
    return { why: `${LIBSECRET_SOURCE} is missing (Debian's git package ships it)` };
  }
  const dir = join(root, 'libsecret-helper');
  mkdirSync(dir);
  for (const file of ['Makefile', 'git-credential-libsecret.c'])
    copyFileSync(join(LIBSECRET_SOURCE, file), join(dir, file));
  const make = spawnSync('make', ['-s'], { cwd: dir, encoding: 'utf8' });
  if (make.error || make.status !== 0) {
    return {
      why: `make failed (needs gcc, pkg-config and libsecret-1-dev): ${(make.stderr || String(make.error)).trim().split('\n')[0]}`,
    };
  }
  return { path: join(dir, 'git-credential-libsecret') };
}

const libsecret = !hasGit
  ? { why: 'git is not installed' }
  : externalBusAddress
    ? { why: 'SECRETSTORAGE_TEST_ADDRESS is set (libsecret is only run on unix: buses here)' }
    : buildLibsecretHelper();
if (!libsecret.path)
  console.log(`git-credential.test.ts: interop with git-credential-libsecret skipped: ${libsecret.why}`);

describe.skipIf(!libsecret.path)('secretstorage git-credential and git-credential-libsecret, both ways', () => {
  const k = useKeyring();
  const LIBSECRET = `!${quote(libsecret.path ?? '')}`;

  async function itemsFor(host: string) {
    const items = await searchItems(k.conn, { server: host });
    return Promise.all(
      items.map(async (item) => ({
        label: await item.getLabel(),
        attributes: await item.getAttributes(),
        contentType: await item.getSecretContentType(),
        secret: (await item.getSecret()).toString(),
      })),
    );
  }

  it('both store exactly the same item for the same login', async () => {
    const host = uniqueHost();
    const login = describe_({
      protocol: 'https',
      host: `${host}:7443`,
      path: 'a/b.git',
      username: 'dana',
      password: 'pw',
    });
    const useHttpPath = ['-c', 'credential.useHttpPath=true'];
    expect((await git('approve', login, LIBSECRET, k.address, useHttpPath)).code).toBe(0);
    const theirs = await itemsFor(host);
    expect(theirs).toHaveLength(1);
    expect((await git('reject', login, LIBSECRET, k.address, useHttpPath)).code).toBe(0);
    expect(await itemsFor(host)).toEqual([]);
    expect((await git('approve', login, OURS, k.address, useHttpPath)).code).toBe(0);
    expect(await itemsFor(host)).toEqual(theirs);
    // And each replaces the other's item in place: still one.
    expect((await git('approve', login, LIBSECRET, k.address, useHttpPath)).code).toBe(0);
    expect(await itemsFor(host)).toEqual(theirs);
  });

  it('a login saved by git-credential-libsecret is filled and erased by ours', async () => {
    const host = uniqueHost();
    expect(
      (
        await git(
          'approve',
          describe_({ protocol: 'https', host, username: 'erin', password: 'from libsecret' }),
          LIBSECRET,
          k.address,
        )
      ).code,
    ).toBe(0);
    const fill = await git('fill', describe_({ protocol: 'https', host }), OURS, k.address);
    expect(fill.stdout).toBe(`protocol=https\nhost=${host}\nusername=erin\npassword=from libsecret\n`);
    expect((await git('reject', describe_({ protocol: 'https', host }), OURS, k.address)).code).toBe(0);
    expect(await itemsFor(host)).toEqual([]);
  });

  /** One helper run directly (as git runs it), with `input`'s bytes on stdin; its stdout's bytes. */
  function helper(which: 'ours' | 'theirs', operation: string, input: Buffer): Buffer {
    const [command, args] =
      which === 'ours'
        ? [process.execPath, [BUILT_CLI, 'git-credential', operation]]
        : [libsecret.path ?? '', [operation]];
    const run = spawnSync(command, args, {
      input,
      env: { PATH: process.env.PATH, HOME: root, DBUS_SESSION_BUS_ADDRESS: k.address },
    });
    expect(run.status, run.stderr.toString()).toBe(0);
    return run.stdout;
  }

  it('a password that is not UTF-8 is kept byte for byte both ways, as git-credential-libsecret keeps it', async () => {
    const latin1 = Buffer.from([0x70, 0xe4, 0x73, 0x73]); // "päss" in Latin-1
    for (const [store, get] of [
      ['theirs', 'ours'],
      ['ours', 'theirs'],
    ] as const) {
      const host = uniqueHost();
      const login = Buffer.concat([
        Buffer.from(`protocol=https\nhost=${host}\nusername=gail\npassword=`),
        latin1,
        Buffer.from('\n'),
      ]);
      helper(store, 'store', login);
      const answer = helper(get, 'get', Buffer.from(`protocol=https\nhost=${host}\n`));
      expect(answer, `${store} stored, ${get} read`).toEqual(
        Buffer.concat([Buffer.from('username=gail\npassword='), latin1, Buffer.from('\n')]),
      );
      helper(get, 'erase', Buffer.from(`protocol=https\nhost=${host}\n`));
    }
  });

  it('a login saved by ours is filled and erased by git-credential-libsecret', async () => {
    const host = uniqueHost();
    expect(
      (
        await git(
          'approve',
          describe_({ protocol: 'https', host, username: 'finn', password: 'from node' }),
          OURS,
          k.address,
        )
      ).code,
    ).toBe(0);
    const fill = await git('fill', describe_({ protocol: 'https', host }), LIBSECRET, k.address);
    expect(fill.stdout).toBe(`protocol=https\nhost=${host}\nusername=finn\npassword=from node\n`);
    expect((await git('reject', describe_({ protocol: 'https', host }), LIBSECRET, k.address)).code).toBe(0);
    expect(await itemsFor(host)).toEqual([]);
  });
});

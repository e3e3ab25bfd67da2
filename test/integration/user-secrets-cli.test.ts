import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import dotenv from 'dotenv';
import { getDefaultCollection, unlockWithPassword } from '../../src/index.js';
import { runCli } from '../../src/cli/main.js';
import { startPrivateBus, type PrivateBus } from '../../src/testing/private-bus.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { useKeyring } from '../helpers/keyring.js';
import { killWhenTestEnds } from '../helpers/processes.js';

const k = useKeyring();
const root = mkdtempSync(join(tmpdir(), 'us-cli-'));
const home = join(root, 'home');
mkdirSync(home);
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const err = new PassThrough().on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const env = options.env ?? { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address };
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const code = await runCli(['user-secrets', ...args], { stdin, stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

let counter = 0;
function projectDir(envText?: string): string {
  const dir = join(root, `project-${++counter}`);
  mkdirSync(dir);
  if (envText !== undefined) writeFileSync(join(dir, '.env'), envText);
  return dir;
}

async function initialised(): Promise<{ dir: string; id: string }> {
  const dir = projectDir();
  const result = await cli(['init', '--json', '-p', dir]);
  expect(result.code).toBe(0);
  return { dir, id: (JSON.parse(result.stdout) as { id: string }).id };
}

describe('the user-secrets CLI', () => {
  it('--help on a subcommand shows that subcommand, and on user-secrets the whole list', async () => {
    const sub = await cli(['get', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: user-secrets \[common options\] get KEY/);
    expect(sub.stdout).not.toMatch(/^import/m);
    const all = await cli(['--help']);
    expect(all.stdout).toMatch(/Subcommands:/);
  });

  it('runs the life cycle: init, set (stdin), get, list, info, remove, clear, with --json', async () => {
    const dir = projectDir('# app settings\nDEBUG=1\n');
    const init = await cli(['init', '--project', dir]);
    expect(init).toMatchObject({ code: 0, stdout: '' });
    const id = /ENV_SECRETS_ID=([0-9a-f-]{36})/.exec(readFileSync(join(dir, '.env'), 'utf8'))![1];
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`# app settings\nDEBUG=1\nENV_SECRETS_ID=${id}\n`);
    expect((await cli(['init', '-p', dir])).stderr).toMatch(/Already initialised/);
    expect(await cli(['-p', dir, 'set', 'API_KEY'], { stdin: 'sk-123\n' })).toMatchObject({ code: 0, stdout: '' });
    expect((await cli(['set', 'MULTI', '-p', dir], { stdin: 'line1\nline2\n' })).code).toBe(0);
    expect(await cli(['get', 'API_KEY', '-p', dir])).toMatchObject({ code: 0, stdout: 'sk-123' });
    expect((await cli(['get', 'MULTI', '-p', dir, '--newline'])).stdout).toBe('line1\nline2\n');
    expect(await cli(['list', '-p', dir])).toMatchObject({ code: 0, stdout: 'API_KEY\nMULTI\n' });
    expect((await cli(['list', '-p', dir, '--show-values'])).stdout).toBe('API_KEY="sk-123"\nMULTI="line1\\nline2"\n');
    expect(JSON.parse((await cli(['list', '--json', '-p', dir])).stdout)).toEqual([
      { key: 'API_KEY' },
      { key: 'MULTI' },
    ]);
    const info = JSON.parse((await cli(['info', '--json', '-p', dir])).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({
      id,
      idSource: 'ENV_SECRETS_ID',
      count: 2,
      schema: 'io.github.secretstorage.UserSecrets',
    });
    expect((await cli(['info', '--id', id])).stdout).toMatch(/Project id {8}: .* \(from --id\)/);
    expect(await cli(['get', 'NOPE', '-p', dir])).toMatchObject({ code: 1 });
    expect((await cli(['remove', 'API_KEY', '-p', dir])).code).toBe(0);
    expect((await cli(['rm', 'API_KEY', '-p', dir])).code).toBe(1);
    expect((await cli(['delete', 'API_KEY', '--if-exists', '-p', dir])).code).toBe(0);
    expect(JSON.parse((await cli(['clear', '--json', '-p', dir])).stdout)).toEqual({ removed: 1 });
    expect((await cli(['list', '-p', dir])).stderr).toMatch(/No secrets stored/);
  });

  it('refuses a value on the command line unless --allow-argv, and bad keys', async () => {
    const { dir } = await initialised();
    const refused = await cli(['set', 'TOKEN=abc', '-p', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing a secret on the command line/);
    expect(refused.stderr).not.toMatch(/abc/);
    expect((await cli(['set', 'TOKEN', 'abc', '-p', dir])).code).toBe(2);
    const allowed = await cli(['set', 'TOKEN=abc', '--allow-argv', '-p', dir]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/warning/);
    expect((await cli(['get', 'TOKEN', '-p', dir])).stdout).toBe('abc');
    expect((await cli(['set', 'BAD KEY', '-p', dir], { stdin: 'x' })).code).toBe(2);
    const fresh = projectDir();
    expect((await cli(['set', 'FIRST', '--init', '-p', fresh], { stdin: 'v' })).code).toBe(0);
    expect(readFileSync(join(fresh, '.env'), 'utf8')).toMatch(/^ENV_SECRETS_ID=[0-9a-f-]{36}\n$/);
    expect((await cli(['get', 'FIRST', '-p', fresh])).stdout).toBe('v');
  });

  it('`set --init` run at once for several keys of a fresh project: one id, every key under it', async () => {
    const fresh = projectDir();
    const keys = ['A', 'B', 'C', 'D', 'E', 'F'];
    const results = await Promise.all(keys.map((key) => cli(['set', key, '--init', '-p', fresh], { stdin: key })));
    expect(results.map((result) => result.code)).toEqual(keys.map(() => 0));
    expect((await cli(['list', '-p', fresh])).stdout.trim().split('\n')).toEqual(keys);
  });

  it('imports a python-env-secrets file (current layout) exactly as that tool reads it, then deletes it on request', async () => {
    const { dir, id } = await initialised();
    const folder = join(home, '.python', 'envsecrets', id);
    mkdirSync(folder, { recursive: true });
    const file = join(folder, '.secrets');
    writeFileSync(
      file,
      [
        '# Python Env Secrets',
        '# Do not share or commit this file to source control.',
        `# Project: ${dir}`,
        `# ID: ${id}`,
        '',
        'SPACE="a b"',
        'EQ="x=y=z"',
        'HASH="a#b"',
        'DQ="say "hi""',
        `APOS="it's"`,
        'INLINE=value # not a comment for python-env-secrets',
        'UNI="ключ 🔑 値"',
        'export EXPORTED=1',
        'EMPTY=',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const expected = {
      SPACE: 'a b',
      EQ: 'x=y=z',
      HASH: 'a#b',
      DQ: 'say "hi"',
      APOS: "it's",
      INLINE: 'value # not a comment for python-env-secrets',
      UNI: 'ключ 🔑 値',
      EXPORTED: '1',
      EMPTY: '',
    };
    const dryRun = await cli(['import', '--dry-run', '-p', dir]);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stderr).toMatch(/Would import 9 new key\(s\): SPACE, EQ/);
    expect((await cli(['list', '-p', dir])).stdout).toBe('');
    const imported = await cli(['import', '--json', '-p', dir]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'pes', verified: true, removedSource: false });
    expect(JSON.parse((await cli(['export', '--format', 'json', '-p', dir])).stdout)).toEqual(expected);
    // `-o -` is standard output (as `import -` reads standard input), not a file named "-".
    expect(JSON.parse((await cli(['export', '--format', 'json', '-o', '-', '-p', dir])).stdout)).toEqual(expected);
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    expect(existsSync(file)).toBe(true);
    // Unchanged keys are not conflicts: a second import is a no-op that may now delete the file.
    const again = await cli(['import', '--remove-source', '-p', dir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/Already stored with the same value: 9/);
    expect(again.stderr).toMatch(/Deleted .*\.secrets/);
    expect(existsSync(folder)).toBe(false);
  });

  it('imports the older ~/.python/usersecrets layout found through USER_SECRETS_ID, stopping on conflicts', async () => {
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const dir = projectDir(`USER_SECRETS_ID=${id}\n`);
    const file = join(home, '.python', 'usersecrets', id, '.secrets');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '# Python User Secrets\n\nTOKEN=old-value\nURL="http://x/?a=1"\n');
    expect((await cli(['set', 'TOKEN', '-p', dir], { stdin: 'newer' })).code).toBe(0);
    const conflict = await cli(['import', '-p', dir]);
    expect(conflict.code).toBe(6);
    expect(conflict.stderr).toMatch(/1 key\(s\) already hold a different value: TOKEN\. Nothing was imported/);
    expect((await cli(['list', '-p', dir])).stdout).toBe('TOKEN\n');
    expect((await cli(['import', '--skip-existing', '-p', dir])).code).toBe(0);
    expect((await cli(['get', 'TOKEN', '-p', dir])).stdout).toBe('newer');
    expect((await cli(['import', '--overwrite', '-p', dir])).code).toBe(0);
    expect(JSON.parse((await cli(['export', '--format', 'json', '-p', dir])).stdout)).toEqual({
      TOKEN: 'old-value',
      URL: 'http://x/?a=1',
    });
    expect(existsSync(file)).toBe(true);
  });

  it('imports dotnet JSON from stdin (flattened with ":") and a .env file (never its id, never deleting it)', async () => {
    const { dir } = await initialised();
    const json = await cli(['import', '-', '-p', dir], {
      stdin: '{ "Movies": { "ServiceApiKey": "12345", "ConnectionString": "Server=x;Database=y" }, "Port": 5432 }',
    });
    expect(json.code).toBe(0);
    expect(JSON.parse((await cli(['export', '--format', 'json', '-p', dir])).stdout)).toEqual({
      'Movies:ConnectionString': 'Server=x;Database=y',
      'Movies:ServiceApiKey': '12345',
      Port: '5432',
    });
    writeFileSync(join(dir, '.env'), `${readFileSync(join(dir, '.env'), 'utf8')}DB_PASSWORD="p w#1"\n`);
    const fromEnv = await cli(['import', join(dir, '.env'), '--remove-source', '-p', dir]);
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toMatch(/Not deleting .*: it holds the project id/);
    expect((await cli(['get', 'DB_PASSWORD', '-p', dir])).stdout).toBe('p w#1');
    expect((await cli(['list', '-p', dir])).stdout).not.toMatch(/ENV_SECRETS_ID/);
    const broken = await cli(['import', '-', '--format', 'json', '-p', dir], { stdin: '{"A": "s3cret",' });
    expect(broken.code).toBe(6);
    expect(broken.stderr).not.toMatch(/s3cret/);
  });

  it('import never loses what it did not store: bytes that are not UTF-8, lines it skipped, a source that changed or is a link', async () => {
    const { dir, id } = await initialised();
    const latin = join(dir, 'latin.env');
    writeFileSync(latin, Buffer.from('LATIN=caf\xe9\n', 'latin1'));
    const refused = await cli(['import', latin, '--remove-source', '-p', dir]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/not UTF-8 text.*iconv.*Nothing was imported/);
    expect(existsSync(latin)).toBe(true);
    expect((await cli(['list', '-p', dir])).stdout).not.toMatch(/LATIN/);

    const partly = join(dir, 'partly.env');
    writeFileSync(partly, 'GOOD=1\nbad key=topsecret1\nMULTI="a\nb=c"\n');
    const kept = await cli(['import', partly, '--remove-source', '-p', dir]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/line\(s\) 2 not understood as KEY=VALUE/);
    expect(kept.stderr).toMatch(/Not deleting .*partly\.env: line\(s\) 2 of it were not understood/);
    expect(kept.stderr).not.toMatch(/topsecret1/);
    expect(existsSync(partly)).toBe(true);
    expect((await cli(['get', 'MULTI', '-p', dir])).stdout).toBe('a\nb=c');

    // An unquoted multi-line value (dotenv keeps its first line) and a pasted token with no name: lines dotenv passes
    // over without a word, so the file is not deleted.
    const pasted = join(dir, 'pasted.env');
    writeFileSync(pasted, 'CERT=-----BEGIN KEY-----\nMIIEvQIBADAN\n-----END KEY-----\nOTHER=1\nsk-topsecret2\n');
    const cut = await cli(['import', pasted, '--remove-source', '-p', dir]);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toMatch(/line\(s\) 2, 3, 5 not understood as KEY=VALUE/);
    expect(cut.stderr).toMatch(/Not deleting .*pasted\.env: line\(s\) 2, 3, 5 of it were not understood/);
    expect(cut.stderr).not.toMatch(/topsecret2|MIIEvQ/);
    expect(existsSync(pasted)).toBe(true);

    const target = join(dir, 'target.env');
    writeFileSync(target, 'LINKED=1\n');
    const link = join(dir, 'link.env');
    symlinkSync(target, link);
    const linked = await cli(['import', link, '--remove-source', '-p', dir]);
    expect(linked.code).toBe(0);
    expect(linked.stderr).toMatch(/Not deleting .*link\.env: it is a symbolic link to .*target\.env/);
    expect(existsSync(link) && existsSync(target)).toBe(true);

    // The project's own python-env-secrets file is read as that tool reads it even without its header.
    const folder = join(home, '.python', 'envsecrets', id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '.secrets'), 'A=abc #def\nH=x#y\n');
    expect((await cli(['import', '--keep-source', '-p', dir])).code).toBe(0);
    expect((await cli(['get', 'A', '-p', dir])).stdout).toBe('abc #def');
    expect((await cli(['get', 'H', '-p', dir])).stdout).toBe('x#y');
    // A line python-env-secrets passes over (no `=`) keeps that file too.
    writeFileSync(join(folder, '.secrets'), '# Python Env Secrets\nA=abc #def\nghp_topsecret3\n');
    const pes = await cli(['import', '--remove-source', '-p', dir]);
    expect(pes.code).toBe(0);
    expect(pes.stderr).toMatch(/Not deleting .*\.secrets: line\(s\) 3 of it were not understood/);
    expect(pes.stderr).not.toMatch(/topsecret3/);
    expect(existsSync(join(folder, '.secrets'))).toBe(true);
  });

  it('export writes only regular files, always mode 0600, and --json means JSON', async () => {
    const { dir } = await initialised();
    await cli(['set', 'K', '-p', dir], { stdin: 'v' });
    const nowhere = join(dir, 'nowhere.env');
    symlinkSync('/proc/self/fd/1', nowhere); // as /dev/stdout is: realpath cannot follow it to a file
    const refused = await cli(['export', '-o', nowhere, '--force', '-p', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/symbolic link that leads to no file/);
    expect(lstatSync(nowhere).isSymbolicLink()).toBe(true);
    const open = join(dir, 'open.env');
    writeFileSync(open, 'old\n', { mode: 0o644 });
    expect((await cli(['export', '-o', open, '--force', '-p', dir])).code).toBe(0);
    expect(statSync(open).mode & 0o777).toBe(0o600);
    expect(JSON.parse((await cli(['export', '--json', '-p', dir])).stdout)).toEqual({ K: 'v' });
    expect(JSON.parse((await cli(['export', '--json', '-o', open, '--force', '-p', dir])).stdout)).toEqual({
      file: open,
      format: 'dotenv',
      count: 1,
    });
  });

  it('clear from a terminal whose stderr is redirected refuses without --yes instead of deleting unasked', async () => {
    const { dir } = await initialised();
    await cli(['set', 'KEEP', '-p', dir], { stdin: 'v' });
    const stdin = Object.assign(Readable.from([]), { isTTY: true });
    let stderr = '';
    const err = new PassThrough().on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const env = { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address };
    const code = await runCli(['user-secrets', 'clear', '-p', dir], {
      stdin,
      stdout: new PassThrough(),
      stderr: err,
      env,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/clear asks before deleting, and stderr is not a terminal to ask on: pass --yes/);
    expect((await cli(['get', 'KEEP', '-p', dir])).stdout).toBe('v');
  });

  it('a secret that is not UTF-8 text (another tool wrote it) is refused, not read with U+FFFD in it', async () => {
    const { dir, id } = await initialised();
    await getDefaultCollection(k.conn).createItem(
      'binary',
      {
        'xdg:schema': 'io.github.secretstorage.UserSecrets',
        application: 'secretstorage user-secrets',
        'user-secrets-id': id,
        key: 'BIN',
      },
      Buffer.from([0xff, 0xfe]),
    );
    const got = await cli(['get', 'BIN', '-p', dir]);
    expect(got.code).toBe(6);
    expect(got.stderr).toMatch(/BIN .*not UTF-8 text/);
  });

  it('exports dotenv that dotenv parses back to the same strings, and refuses values it cannot carry', async () => {
    const { dir } = await initialised();
    const values: Record<string, string> = {
      PLAIN: 'abc',
      SPACES: '  padded  ',
      HASH: 'a#b # c',
      SINGLE: "it's",
      DOUBLE: 'say "hi"',
      BOTH: `it's "x"`,
      NEWLINES: 'l1\nl2\n',
      CRLF: 'a\r\nb',
      BACKSLASH_N: 'C:\\new\\dir\\',
      DOLLAR: '${HOME} $(whoami)',
      UNI: 'ключ 🔑',
      EMPTY: '',
    };
    for (const [key, value] of Object.entries(values)) {
      expect((await cli(['set', key, '-p', dir], { stdin: `${value}\n` })).code).toBe(0);
    }
    const exported = await cli(['export', '-p', dir]);
    expect(exported.code).toBe(0);
    expect(dotenv.parse(exported.stdout)).toEqual(values);
    const file = join(dir, 'backup.env');
    expect((await cli(['export', '-o', file, '-p', dir])).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await cli(['export', '-o', file, '-p', dir])).code).toBe(2);
    expect((await cli(['export', '-o', file, '--force', '--format', 'json', '-p', dir])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(values);
    expect((await cli(['set', 'IMPOSSIBLE', '-p', dir], { stdin: `'"\`\nx\n` })).code).toBe(0);
    const refused = await cli(['export', '-p', dir]);
    expect(refused).toMatchObject({ code: 6, stdout: '' });
    expect(refused.stderr).toMatch(/IMPOSSIBLE/);
    const skipped = await cli(['export', '--skip-unrepresentable', '-p', dir]);
    expect(dotenv.parse(skipped.stdout)).toEqual(values);
  });

  it('run passes the secrets and the exit code; existing variables win unless --override', async () => {
    const { dir } = await initialised();
    await cli(['set', 'API_KEY', '-p', dir], { stdin: 'from-keyring' });
    await cli(['set', 'Movies:ApiKey', '-p', dir], { stdin: 'm' });
    const out = join(dir, 'out.txt');
    const script = `printf '%s|%s|%s' "$API_KEY" "$Movies__ApiKey" "$KEPT" > '${out}'; exit 7`;
    const base = { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address, KEPT: 'k' };
    expect((await cli(['run', '-p', dir, '--', 'sh', '-c', script], { env: base })).code).toBe(7);
    expect(readFileSync(out, 'utf8')).toBe('from-keyring|m|k');
    const existing = { ...base, API_KEY: 'from-environment' };
    expect((await cli(['run', '-p', dir, '--', 'sh', '-c', script], { env: existing })).code).toBe(7);
    expect(readFileSync(out, 'utf8')).toBe('from-environment|m|k');
    expect((await cli(['run', '--override', '-p', dir, '--', 'sh', '-c', script], { env: existing })).code).toBe(7);
    expect(readFileSync(out, 'utf8')).toBe('from-keyring|m|k');
    const missing = await cli(['run', '-p', dir, '--', 'no-such-command-xyz']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/command not found/);
    expect((await cli(['run', '-p', dir])).code).toBe(2);
  });

  it('the user-secrets executable runs commands, and ends by the SIGINT, SIGTERM or SIGHUP that ended one', async () => {
    const { dir } = await initialised();
    await cli(['set', 'GREETING', '-p', dir], { stdin: 'hello' });
    const bin = join(process.cwd(), 'src/cli/user-secrets-bin.ts');
    const env = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address };
    const ok = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, '-p', dir, 'run', '--', 'sh', '-c', 'echo "$GREETING"; exit 42'],
      { env },
    );
    expect(ok.status).toBe(42);
    expect(ok.stdout.toString()).toBe('hello\n');
    const killed = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, '-p', dir, 'run', '--', 'sh', '-c', 'kill -TERM $$'],
      { env },
    );
    // Ended by the same signal, as a shell should see it (bash stops a loop only for a job that died of SIGINT).
    expect([killed.status, killed.signal]).toEqual([null, 'SIGTERM']);
    const other = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, '-p', dir, 'run', '--', 'sh', '-c', 'kill -USR1 $$'],
      { env },
    );
    expect([other.status, other.signal]).toEqual([128 + 10, null]);
  });

  it('run passes a SIGINT sent to it (no terminal: CI, a supervisor) on to the command, which decides how to end', async () => {
    const { dir } = await initialised();
    const bin = join(process.cwd(), 'src/cli/user-secrets-bin.ts');
    const env = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address };
    const script =
      "process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(130); }); console.log('ready'); " +
      'setInterval(() => {}, 1000);';
    const child = killWhenTestEnds(
      spawn(process.execPath, ['--import', 'tsx', bin, '-p', dir, 'run', '--', process.execPath, '-e', script], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('ready')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout.match(/got SIGINT/g)).toEqual(['got SIGINT']);
  });

  it('on a terminal, import asks before deleting the plaintext file (answer n keeps it, y deletes it)', async () => {
    const { dir, id } = await initialised();
    const file = join(home, '.python', 'envsecrets', id, '.secrets');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '# Python Env Secrets\nA=1\n');
    const bin = join(process.cwd(), 'src/cli/user-secrets-bin.ts');
    const command = `'${process.execPath}' --import tsx '${bin}' -p '${dir}' import`;
    const env = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: k.address };
    // script(1) gives the command a pseudo-terminal, with our input typed into it.
    const no = spawnSync('script', ['-qec', command, '/dev/null'], { input: 'n\n', env });
    expect(no.status).toBe(0);
    expect(no.stdout.toString()).toMatch(/Delete the plaintext file .* \[y\/N\]/);
    expect(existsSync(file)).toBe(true);
    const yes = spawnSync('script', ['-qec', command, '/dev/null'], { input: 'y\n', env });
    expect(yes.status).toBe(0);
    expect(yes.stdout.toString()).toMatch(/Deleted .*\.secrets/);
    expect(existsSync(file)).toBe(false);
    expect((await cli(['get', 'A', '-p', dir])).stdout).toBe('1');
  });

  describe('bad input gives a clear error and the documented exit code', () => {
    let bus: PrivateBus;
    beforeAll(async () => {
      bus = await startPrivateBus();
    });
    afterAll(() => bus.stop());

    it('missing .env, missing id, malformed id: exit 5 and nothing written', async () => {
      const bare = projectDir();
      const missing = await cli(['list', '-p', bare]);
      expect(missing.code).toBe(5);
      expect(missing.stderr).toMatch(/There is no .*\.env.*user-secrets init/);
      expect(existsSync(join(bare, '.env'))).toBe(false);
      expect((await cli(['set', 'A', '-p', bare], { stdin: 'x' })).code).toBe(5);
      expect((await cli(['run', '-p', bare, '--', 'true'])).code).toBe(5);
      const malformed = projectDir('ENV_SECRETS_ID=../../x\n');
      const bad = await cli(['get', 'A', '-p', malformed, '--json']);
      expect(bad.code).toBe(5);
      expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: 5, kind: 'InvalidProjectIdError' } });
      expect((await cli(['init', '-p', malformed])).code).toBe(5);
      expect(readFileSync(join(malformed, '.env'), 'utf8')).toBe('ENV_SECRETS_ID=../../x\n');
      expect((await cli(['list', '--id', 'not-a-uuid'])).code).toBe(5);
      expect((await cli(['frobnicate'])).code).toBe(2);
    });

    it('a locked keyring: exit 3, names still listable, values intact afterwards', async () => {
      const { dir } = await initialised();
      await cli(['set', 'KEEP', '-p', dir], { stdin: 'safe' });
      const collection = getDefaultCollection(k.conn);
      await collection.lock();
      try {
        const locked = await cli(['get', 'KEEP', '-p', dir]);
        expect(locked.code).toBe(3);
        expect(locked.stderr).toMatch(/locked/);
        expect((await cli(['set', 'NEW', '-p', dir], { stdin: 'x' })).code).toBe(3);
        expect((await cli(['list', '-p', dir])).stdout).toBe('KEEP\n');
      } finally {
        await unlockWithPassword(k.conn, await collection.getPath(), DEFAULT_KEYRING_PASSWORD);
      }
      expect((await cli(['get', 'KEEP', '-p', dir])).stdout).toBe('safe');
    });

    it('no keyring service on the bus, or no bus at all: exit 4', async () => {
      const { dir } = await initialised();
      const noService = await cli(['list', '-p', dir], {
        env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: bus.address },
      });
      expect(noService.code).toBe(4);
      expect(noService.stderr).toMatch(/nothing provides org\.freedesktop\.secrets/i);
      const noBus = await cli(['list', '-p', dir], { env: { PATH: process.env.PATH, HOME: home } });
      expect(noBus.code).toBe(4);
      expect(noBus.stderr).toMatch(/No D-Bus session bus/);
    });
  });
});

/**
 * What a new user of the CLI and of user secrets ran into (issue 21), each pinned on a real gnome-keyring: completion's
 * --help, options before the command, secret-tool's lookup/store/clear, the no-bus message, unlock with a password on
 * an unlocked collection, set without a default collection, `user-secrets run` without `--`, the user-secrets
 * executable's error prefix, and finding the project's `.env` from a subdirectory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { Collection, createCollectionWithPassword, getAllCollections } from '../../src/index.js';
import { initUserSecrets, UserSecretsManager } from '../../src/user-secrets/index.js';
import { externalBusAddress, useKeyring } from '../helpers/keyring.js';
import { finished, killWhenTestEnds, REPO_ROOT } from '../helpers/processes.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in-process, stdin piped (not a terminal). */
async function cli(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = Object.assign(new PassThrough(), { isTTY: false });
  const err = Object.assign(new PassThrough(), { isTTY: false });
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const input = Object.assign(Readable.from(stdin ? [Buffer.from(stdin)] : []), { isTTY: false });
  const code = await runCli(args, { stdin: input, stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;

/** An executable from the TypeScript sources, as its own process in `cwd`. */
async function executable(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const child = killWhenTestEnds(
    spawn(process.execPath, ['--import', TSX, join(REPO_ROOT, 'src', 'cli', file), ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const result = await finished(child);
  return { code: result.code ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const root = mkdtempSync(join(tmpdir(), 'cli-papercuts-'));
const home = join(root, 'home');
mkdirSync(home);
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const unique = (what: string) => `${what}-${process.pid}-${++counter}`;

describe('the secretstorage CLI, as a new user meets it', () => {
  const k = useKeyring();
  const env = () => ({ DBUS_SESSION_BUS_ADDRESS: k.address, HOME: home });

  it('completion --help shows its usage (exit 0); an unknown shell is a usage error', async () => {
    const help = await cli(['completion', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: secretstorage completion \[bash\|zsh\|fish\]/);
    expect((await cli(['help', 'completion'], {})).stdout).toBe(help.stdout);
    const unknown = await cli(['completion', 'tcsh'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^secretstorage completion: unknown shell "tcsh"; use bash, zsh, fish\./);
    const bash = await cli(['completion'], {});
    expect(bash.stdout).toMatch(/completion\) opts="bash zsh fish --help"/);
  });

  it('options go before the command as well as after it', async () => {
    const service = unique('leading');
    expect((await cli(['--collection', 'login', 'set', service, 'alice'], env(), 'pw')).code).toBe(0);
    const json = await cli(['--json', 'get', service, 'alice'], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ service, username: 'alice', password: 'pw' });
    const missing = await cli(['--json', '--timeout', '10', 'get', service, 'bob'], env());
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error.kind).toBe('NotFound');
    expect((await cli(['--json', 'delete', service, 'alice'], env())).code).toBe(0);
    const nothing = await cli(['--json'], {});
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no command after --json/);
  });

  it('lookup, store and clear take secret-tool’s ATTRIBUTE VALUE pairs', async () => {
    const service = unique('secret-tool');
    const stored = await cli(['store', '--label', 'My token', 'service', service, 'username', 'alice'], env(), 't0k\n');
    expect(stored).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await cli(['lookup', 'service', service, 'username', 'alice'], env())).toEqual({
      code: 0,
      stdout: 't0k',
      stderr: '',
    });
    // service + username is what the password commands read too.
    expect((await cli(['get', service, 'alice'], env())).stdout).toBe('t0k');
    const search = await cli(['search', '--json', '--attr', `service=${service}`], env());
    expect(JSON.parse(search.stdout)).toMatchObject([
      { label: 'My token', attributes: { service, username: 'alice' } },
    ]);
    expect((await cli(['lookup', '--json', 'service', service], env())).stdout).toBe('{\n  "secret": "t0k"\n}\n');
    expect(await cli(['clear', 'service', service, 'username', 'alice'], env())).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    const gone = await cli(['lookup', 'service', service, 'username', 'alice'], env());
    expect(gone.code).toBe(1);
    expect((await cli(['clear', 'service', service], env())).code).toBe(1);
  });

  it('lookup, store and clear with a service and a user name instead of pairs show the exact equivalent', async () => {
    // Two words are a valid pair for secret-tool too (an attribute "myapp"): looked up, and when nothing has it, the
    // message names the password command.
    const lookup = await cli(['lookup', 'myapp', 'alice'], env());
    expect(lookup).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'secretstorage lookup: No item has the attributes myapp=alice; for a password by service and user name: ' +
        'secretstorage get myapp alice.\n',
    });
    const one = await cli(['lookup', 'myapp'], env());
    expect(one.code).toBe(2);
    expect(one.stderr).toContain(
      'lookup takes ATTRIBUTE VALUE pairs, as secret-tool does (secretstorage lookup service SERVICE username ' +
        'USERNAME); for a password by service and user name: secretstorage get myapp.',
    );
    const store = await cli(['store', 'myapp', 'alice'], env(), 'x');
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('store needs --label LABEL');
    expect(store.stderr).toContain('secretstorage set myapp alice');
    expect((await cli(['clear', 'my app', 'bob'], env())).stderr).toContain("secretstorage delete 'my app' bob");
  });

  it('--help lists every command with its aliases, the secret-tool ones included', async () => {
    const help = await cli(['--help'], {});
    for (const line of [
      /^ {2}lookup +Print the secret of an item with these attributes/m,
      /^ {2}store +Store a secret/m,
      /^ {2}clear +Delete every item/m,
      /^ {2}delete \(del, rm\) /m,
      /^ {2}diagnose \(doctor\) /m,
      /^ {2}user-secrets \(us\) /m,
      /^ {2}completion +Print a shell completion script/m,
    ]) {
      expect(help.stdout).toMatch(line);
    }
    expect(help.stdout).toMatch(/Usage: secretstorage \[options\] <command> \[options\]/);
  });

  it('with no bus and no XDG_RUNTIME_DIR, says that XDG_RUNTIME_DIR is not set (not that its bus is missing)', async () => {
    const unset = await cli(['get', 'myapp', 'alice'], { HOME: home });
    expect(unset.code).toBe(4);
    expect(unset.stderr).toContain('DBUS_SESSION_BUS_ADDRESS is not set and XDG_RUNTIME_DIR is not set either');
    expect(unset.stderr).not.toContain('$XDG_RUNTIME_DIR/bus');
    const runtime = join(root, 'runtime');
    mkdirSync(runtime, { recursive: true });
    const empty = await cli(['get', 'myapp', 'alice'], { HOME: home, XDG_RUNTIME_DIR: runtime });
    expect(empty.code).toBe(4);
    expect(empty.stderr).toContain(
      `DBUS_SESSION_BUS_ADDRESS is not set and ${runtime}/bus is not a socket of this user's`,
    );
  });

  it('unlock --with-password on an unlocked collection says it was already unlocked and the password not checked', async () => {
    const wrong = await cli(['unlock', '--collection', 'login', '--with-password'], env(), 'not the password');
    expect(wrong.code).toBe(0);
    expect(wrong.stdout).toBe('already unlocked /org/freedesktop/secrets/collection/login\n');
    expect(wrong.stderr).toContain('the password was not checked');
    const json = await cli(['unlock', '--json', '--collection', 'login', '--with-password'], env(), 'x');
    expect(JSON.parse(json.stdout)).toEqual({
      unlocked: '/org/freedesktop/secrets/collection/login',
      wasLocked: false,
      passwordChecked: false,
    });
  });

  it('unlock --with-password on a locked collection checks the password: wrong exits 7, right unlocks', async () => {
    const path = await createCollectionWithPassword(k.conn, unique('Locked'), 'right password');
    const collection = new Collection(k.conn, path);
    try {
      await collection.lock();
      const wrong = await cli(['unlock', '--collection', path, '--with-password'], env(), 'wrong password');
      expect(wrong.code).toBe(7);
      expect(await collection.isLocked()).toBe(true);
      const right = await cli(['unlock', '--json', '--collection', path, '--with-password'], env(), 'right password');
      expect(JSON.parse(right.stdout)).toEqual({ unlocked: path, wasLocked: true, passwordChecked: true });
      expect(await collection.isLocked()).toBe(false);
    } finally {
      await collection.delete().catch(() => undefined);
    }
  });
});

describe.skipIf(externalBusAddress)('set on a keyring without a default collection', () => {
  const k = useKeyring();

  it('exits 1 ("no such collection"), not 3 ("locked"), saying how to get one', async () => {
    // gnome-keyring would make its login collection the default again (CreateCollection finds it): remove it.
    for (const collection of await getAllCollections(k.conn)) {
      if (collection.collectionPath.endsWith('/login')) await collection.delete();
    }
    const env = { DBUS_SESSION_BUS_ADDRESS: k.address, HOME: home };
    const set = await cli(['set', 'myapp', 'alice'], env, 'pw');
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(/There is no default collection to store the secret in/);
    expect(set.stderr).toContain('--collection');
    const json = await cli(['store', '--json', '--label', 'x', 'service', 'myapp'], env, 'pw');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 1, kind: 'NoDefaultCollectionError' });
    // user-secrets says the same, without the option it does not have (it said only "the prompt was dismissed").
    const project = mkdtempSync(join(tmpdir(), 'no-default-'));
    const secret = await cli(['user-secrets', 'set', 'TOKEN', '--init', '-p', project], env, 'v');
    expect(secret.code).toBe(1);
    expect(secret.stderr).toMatch(
      /There is no default collection to store the secret in, .*gnome-keyring-daemon --unlock/,
    );
    expect(secret.stderr).not.toContain('--collection');
    rmSync(project, { recursive: true, force: true });
    // Naming a collection that exists works as before.
    expect((await cli(['set', '--collection', 'session', 'myapp', 'alice'], env, 'pw')).code).toBe(0);
  });
});

describe('user-secrets, as a new user meets it', () => {
  const k = useKeyring();
  const env = () => ({ DBUS_SESSION_BUS_ADDRESS: k.address, HOME: home });

  /** A git repository with a subdirectory, and optionally a `.env` at its root. */
  function repository(envText?: string): { top: string; sub: string } {
    const top = join(root, unique('repo'));
    const sub = join(top, 'packages', 'app', 'src');
    mkdirSync(join(top, '.git'), { recursive: true });
    mkdirSync(sub, { recursive: true });
    if (envText !== undefined) writeFileSync(join(top, '.env'), envText);
    return { top, sub };
  }

  it('run without -- shows the command line with -- where it belongs', async () => {
    const { top } = repository();
    const run = await cli(['user-secrets', 'run', '--project', top, 'node', '-e', 'console.log(1)'], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `put the command to run after --, as in: user-secrets run --project ${top} -- node -e 'console.log(1)'`,
    );
    expect(run.stderr).not.toContain('-- -e');
  });

  it('the user-secrets executable prefixes its errors with "user-secrets:", not "secretstorage user-secrets:"', async () => {
    const run = await executable('user-secrets-bin.ts', ['frobnicate'], root, env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^user-secrets: unknown subcommand "frobnicate"/);
    expect(run.stderr).toContain("Run 'user-secrets --help' for usage.");
    const viaMain = await cli(['user-secrets', 'frobnicate'], env());
    expect(viaMain.stderr).toMatch(/^secretstorage user-secrets: unknown subcommand/);
  });

  it('the CLI finds the project’s .env from a subdirectory, and says which file it uses', async () => {
    const { top, sub } = repository('DATABASE_URL=postgres://localhost/app\n');
    const init = await executable('user-secrets-bin.ts', ['init'], sub, env());
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`user-secrets: using ${join(top, '.env')}`);
    expect(existsSync(join(sub, '.env'))).toBe(false);
    expect(readFileSync(join(top, '.env'), 'utf8')).toMatch(
      /^DATABASE_URL=postgres:\/\/localhost\/app\nENV_SECRETS_ID=/,
    );
    const set = await executable('user-secrets-bin.ts', ['set', 'API_KEY', '--allow-argv', 'k3y'], sub, env());
    expect(set.code, set.stderr).toBe(0);
    const list = await executable('user-secrets-bin.ts', ['list'], join(top, 'packages'), env());
    expect(list).toMatchObject({ code: 0, stdout: 'API_KEY\n' });
    expect(list.stderr).toContain(`using ${join(top, '.env')}`);
    const atTop = await executable('user-secrets-bin.ts', ['list'], top, env());
    expect(atTop).toEqual({ code: 0, stdout: 'API_KEY\n', stderr: '' });
  });

  it('initUserSecrets() from a subdirectory uses the project’s .env, with no second id', async () => {
    const { top, sub } = repository();
    const first = await UserSecretsManager.open({ projectDir: top, init: true, connection: k.conn });
    await first.set('OPENAI_API_KEY', 'sk-from-top');
    const saved = { cwd: process.cwd(), key: process.env.OPENAI_API_KEY, bus: process.env.DBUS_SESSION_BUS_ADDRESS };
    process.chdir(sub);
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    delete process.env.OPENAI_API_KEY;
    try {
      const result = await initUserSecrets();
      expect(result).toMatchObject({ id: first.id, envFile: join(top, '.env'), loaded: ['OPENAI_API_KEY'] });
      expect(process.env.OPENAI_API_KEY).toBe('sk-from-top');
      expect(existsSync(join(sub, '.env'))).toBe(false);
    } finally {
      process.chdir(saved.cwd);
      for (const [name, value] of [
        ['OPENAI_API_KEY', saved.key],
        ['DBUS_SESSION_BUS_ADDRESS', saved.bus],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await first.clear();
      await first.close();
    }
  });
});

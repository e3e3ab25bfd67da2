/**
 * The keyring commands of the `secretstorage` CLI (get, set, delete, search, lock, unlock, collections, diagnose) on a
 * real gnome-keyring, run in-process with the environment and streams a shell would give them, plus one run of the
 * real executable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Collection, createCollectionWithPassword, searchItems } from '../../src/index.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { diagnose } from '../../src/keyring/index.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';
import { cli, type CliRun } from '../helpers/cli.js';
import {
  DEFAULT_COLLECTION,
  SERVER_FACTS,
  externalBusAddress,
  noPasswordCollections,
  skipOn,
  storedAttributes,
  useKeyring,
} from '../helpers/keyring.js';

const KEYRING_COMMANDS = ['get', 'set', 'delete', 'search', 'lock', 'unlock', 'collections', 'diagnose'];
let counter = 0;
const uniqueService = () => `cli-${process.pid}-${++counter}`;

describe('secretstorage get / set / delete / search / collections', () => {
  const k = useKeyring();
  const env = () => ({ DBUS_SESSION_BUS_ADDRESS: k.address });

  it('every keyring command has --help with its synopsis and exit codes, and completion knows them', async () => {
    for (const name of KEYRING_COMMANDS) {
      const { code, stdout } = await cli([name, '--help'], {});
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: secretstorage ${name}`);
      expect(stdout).toMatch(/Exit codes:/);
    }
    const main = await cli(['--help'], {});
    for (const name of KEYRING_COMMANDS) expect(main.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const bash = await cli(['completion', 'bash'], {});
    expect(bash.code).toBe(0);
    for (const name of KEYRING_COMMANDS) expect(bash.stdout).toContain(name);
    expect(bash.stdout).toMatch(/get\) opts="[^"]*--profile[^"]*--no-newline/);
    expect(bash.stdout).toMatch(/unlock\) opts="[^"]*--with-password/);
    const fish = await cli(['completion', 'fish'], {});
    expect(fish.stdout).toContain("__fish_seen_subcommand_from search' -l show-secrets");
  });

  it('set reads stdin (one trailing newline stripped), get prints it without a newline when piped', async () => {
    const service = uniqueService();
    const set = await cli(['set', service, 'alice'], env(), 's3cret pass\n');
    expect(set).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await cli(['get', service, 'alice'], env())).toEqual({ code: 0, stdout: 's3cret pass', stderr: '' });
    expect((await cli(['get', service, 'alice', '--newline'], env())).stdout).toBe('s3cret pass\n');
    expect((await cli(['get', service], env())).stdout).toBe('s3cret pass');
    const json = await cli(['get', service, 'alice', '--json'], env());
    expect(JSON.parse(json.stdout)).toEqual({ service, username: 'alice', password: 's3cret pass' });
    await cli(['set', service, 'alice', '--raw'], env(), 'kept\n');
    expect((await cli(['get', service, 'alice'], env())).stdout).toBe('kept\n');
    // Byte for byte, a leading byte-order mark included (as `store` and secret-tool keep it), which KWallet and
    // KeePassXC drop from what they store (docs/servers.md).
    await cli(['set', service, 'alice', '--raw'], env(), '\uFEFFpw');
    const keepsMark = !skipOn({ kwallet: 'drops a leading BOM', keepassxc: 'drops a leading BOM' });
    expect((await cli(['get', service, 'alice'], env())).stdout).toBe(keepsMark ? '\uFEFFpw' : 'pw');
  });

  it('store keeps bytes that are not UTF-8, as secret-tool store does (as application/octet-stream)', async () => {
    const service = uniqueService();
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x61]);
    const stored = await cli(['store', '--label', 'bytes', 'service', service, '--json'], env(), bytes);
    expect(stored.code).toBe(0);
    const [item] = await searchItems(k.conn, { service });
    expect(await item.getSecret()).toEqual(bytes);
    await item.delete();
  });

  it('set writes the chosen profile and reports it with --json; a second set updates in place', async () => {
    const service = uniqueService();
    const first = JSON.parse(
      (await cli(['set', service, 'bob', '--profile', 'keytar', '--json'], env(), 'one')).stdout,
    );
    expect(first).toMatchObject({ service, username: 'bob', profile: 'keytar', action: 'created' });
    const second = JSON.parse(
      (await cli(['set', service, 'bob', '--profile', 'keytar', '--json'], env(), 'two')).stdout,
    );
    expect(second).toMatchObject({ action: 'updated', itemPath: first.itemPath });
    const [item] = await searchItems(k.conn, { service });
    expect(storedAttributes(await item.getAttributes())).toEqual({
      service,
      account: 'bob',
      'xdg:schema': 'org.freedesktop.Secret.Generic',
    });
    const bad = await cli(['set', service, 'bob', '--profile', 'keychain'], env(), 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown --profile "keychain"; use keytar, python-keyring, keyring-rs/);
  });

  it('refuses a password on the command line unless --allow-argv, which warns', async () => {
    const service = uniqueService();
    const refused = await cli(['set', service, 'carol', 'hunter2'], env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing a password on the command line/);
    expect(refused.stderr).not.toContain('hunter2');
    expect((await cli(['get', service, 'carol'], env())).code).toBe(1);
    const allowed = await cli(['set', service, 'carol', 'hunter2', '--allow-argv'], env());
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/warning: the password was given on the command line/);
    expect((await cli(['get', service, 'carol'], env())).stdout).toBe('hunter2');
  });

  it('not found exits 1 with a message (JSON on stderr with --json); delete exits 0, then 1', async () => {
    const service = uniqueService();
    const missing = await cli(['get', service, 'dave'], env());
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `secretstorage get: No password for "dave" on "${service}".\n`,
    });
    const missingJson = await cli(['get', service, 'dave', '--json'], env());
    expect(missingJson.code).toBe(1);
    expect(JSON.parse(missingJson.stderr)).toMatchObject({ error: { code: 1, kind: 'NotFound' } });
    await cli(['set', service, 'dave'], env(), 'pw');
    expect(await cli(['delete', service, 'dave', '--json'], env())).toMatchObject({ code: 0 });
    const again = await cli(['rm', service, 'dave'], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/No password for "dave" .* to delete/);
  });

  it('usage errors exit 2 with a pointer to --help', async () => {
    for (const args of [
      ['get'],
      ['get', 'a', 'b', 'c'],
      ['set', 'only-service'],
      ['get', 's', '--bogus'],
      ['search'],
      ['get', 's', 'u', '--timeout', 'soon'],
      ['headless', '--bogus', '--', 'true'],
      ['user-secrets', 'list', '--bogus'],
    ]) {
      const run = await cli(args, env());
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(/Run 'secretstorage [\w-]+ --help' for usage/);
    }
    const unknown = await cli(['get', 's', '--bogus'], env());
    expect(unknown.stderr).toMatch(
      /^secretstorage get: unknown option '--bogus'\. An argument that starts with '-' goes after '--', as in: -- --bogus\n/,
    );
  });

  it('search lists items by service and --attr without secrets unless --show-secrets; nothing matched exits 1', async () => {
    const service = uniqueService();
    await cli(['set', service, 'erin'], env(), 'pw-erin');
    await cli(['set', service, 'frank', '--profile', 'keytar'], env(), 'pw-frank');
    const listed = await cli(['search', service], env());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`label = Password for 'erin' on '${service}'`);
    expect(listed.stdout).toContain(`label = ${service}/frank`);
    expect(listed.stdout).not.toMatch(/pw-erin|pw-frank/);
    const shown = await cli(['search', service, '--attr', 'account=frank', '--show-secrets'], env());
    expect(shown.stdout).toContain('secret = pw-frank');
    expect(shown.stdout).not.toContain('erin');
    const json = JSON.parse(
      (await cli(['search', '-a', `service=${service}`, '--json', '--show-secrets'], env())).stdout,
    );
    expect(
      json
        .map((item: { attributes: Record<string, string>; secret: string }) => [item.attributes.service, item.secret])
        .sort(),
    ).toEqual([
      [service, 'pw-erin'],
      [service, 'pw-frank'],
    ]);
    expect((await cli(['search', uniqueService()], env())).code).toBe(1);
    expect((await cli(['search', '--attr', 'no-equals-sign'], env())).code).toBe(2);
  });

  it.skipIf(!!skipOn({ kwallet: 'gnome-keyring collections', keepassxc: 'gnome-keyring collections' }))(
    'collections lists label, path, lock state, item count and the default',
    async () => {
      const text = await cli(['collections'], env());
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^Login\s+\/org\/freedesktop\/secrets\/collection\/login\s+unlocked, \d+ items?\s+\(default\)$/m,
      );
      const json = JSON.parse((await cli(['collections', '--json'], env())).stdout);
      expect(json).toContainEqual(
        expect.objectContaining({ path: '/org/freedesktop/secrets/collection/login', isDefault: true, locked: false }),
      );
    },
  );

  it('the real executable: exit codes, stdout and stdin through a process', async () => {
    const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
    const service = uniqueService();
    const runBin = (args: string[], input = '') =>
      new Promise<CliRun>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: k.address },
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(input);
      });
    expect((await runBin(['set', service, 'gus'], 'through a pipe\n')).code).toBe(0);
    expect(await runBin(['get', service, 'gus'])).toEqual({ code: 0, stdout: 'through a pipe', stderr: '' });
    expect((await runBin(['get', service, 'nobody'])).code).toBe(1);
    // An empty stdin (an unset variable in CI, typically) is stored, but with a warning.
    expect(await runBin(['set', service, 'empty'], '')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'secretstorage set: warning: the password is empty; storing it anyway.\n',
    });
  });

  it('on a terminal, set asks without echo; Backspace erases a whole character and Ctrl-U the line', async () => {
    const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
    const service = uniqueService();
    const command = `${process.execPath} --import tsx ${bin} set ${service} tty`;
    // A pseudo-terminal (Python's pty), with `typed` typed in once the prompt shows: by then the command has put the
    // terminal in raw mode, so the keys reach it as they are, not edited by the terminal's own line discipline.
    const driver = [
      'import os, pty, sys',
      'pid, fd = pty.fork()',
      'if pid == 0: os.execvp("sh", ["sh", "-c", sys.argv[1]])',
      'seen = b""',
      'while b"Password" not in seen: seen += os.read(fd, 1024)',
      'os.write(fd, bytes.fromhex(sys.argv[2]))',
      'while True:',
      '    try:',
      '        if not os.read(fd, 1024): break',
      '    except OSError: break',
      'sys.exit(os.waitpid(pid, 0)[1] >> 8)',
    ].join('\n');
    const typeIn = async (typed: Buffer) => {
      const run = spawnSync('/usr/bin/python3', ['-c', driver, command, typed.toString('hex')], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DBUS_SESSION_BUS_ADDRESS: k.address },
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        timeout: 30_000,
      });
      expect(run.status).toBe(0);
      return (await cli(['get', service, 'tty'], { DBUS_SESSION_BUS_ADDRESS: k.address })).stdout;
    };
    // "pé", Backspace (the é: two bytes), "x", Enter.
    expect(await typeIn(Buffer.concat([Buffer.from('pé'), Buffer.of(0x7f), Buffer.from('x\r')]))).toBe('px');
    // "junk", Ctrl-U, "ok", Enter.
    expect(await typeIn(Buffer.from('junk\x15ok\r'))).toBe('ok');
  });
});

describe('secretstorage lock / unlock', () => {
  const k = useKeyring();
  const env = () => ({ DBUS_SESSION_BUS_ADDRESS: k.address });

  it.skipIf(noPasswordCollections)(
    'locks a collection; reads then exit 3 explaining why; the prompt cannot unlock headless; --with-password does',
    async () => {
      const service = uniqueService();
      const path = await createCollectionWithPassword(k.conn, 'CLI vault', 'vault-password');
      await new Collection(k.conn, path).createItem('in vault', { service, username: 'hal' }, 'vaulted');
      const locked = await cli(['lock', '--collection', path, '--json'], env());
      expect(locked.code).toBe(0);
      expect(JSON.parse(locked.stdout)).toEqual({ locked: [path], stillUnlocked: [] });
      const read = await cli(['get', service, 'hal'], env());
      expect(read.code).toBe(3);
      expect(read.stderr).toContain(`needs the locked collection "CLI vault" (${path})`);
      expect(read.stderr).toContain(`secretstorage unlock --collection ${path} --with-password`);
      const listed = await cli(['search', service, '--show-secrets'], env());
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('locked = yes');
      expect(listed.stdout).toContain('secret: not read, the item is locked (add --unlock)');
      expect(listed.stdout).not.toContain('vaulted');
      expect((await cli(['search', service, '--show-secrets', '--unlock'], env())).code).toBe(3);
      const prompted = await cli(['unlock', '--collection', path], env());
      expect(prompted.code).toBe(3);
      expect(prompted.stderr).toMatch(/unlock prompt was dismissed/);
      const refused = await cli(['unlock', '--collection', path, '--with-password'], env(), 'wrong\n');
      expect(refused.code).toBe(7);
      expect(refused.stderr).toMatch(/refused the password/);
      const unlocked = await cli(['unlock', '--collection', path, '--with-password'], env(), 'vault-password\n');
      expect(unlocked).toEqual({ code: 0, stdout: `unlocked ${path}\n`, stderr: '' });
      expect((await cli(['get', service, 'hal'], env())).stdout).toBe('vaulted');
    },
  );

  it('lock without --collection locks every collection; unknown aliases exit 1', async () => {
    // Locking every collection would disturb other files sharing an external bus: this needs its own keyring.
    void k.keyring;
    const all = JSON.parse((await cli(['lock', '--json'], env())).stdout) as {
      locked: string[];
      stillUnlocked: string[];
    };
    // gnome-keyring never locks its in-memory session collection; lock says so instead of claiming it did.
    expect(all.locked).toContain('/org/freedesktop/secrets/collection/login');
    expect(all.stillUnlocked).toEqual(['/org/freedesktop/secrets/collection/session']);
    const text = await cli(['lock'], env());
    expect(text.stdout).toContain(
      'not locked /org/freedesktop/secrets/collection/session (the service keeps it unlocked)',
    );
    const session = await cli(['lock', '--collection', 'session'], env());
    expect(session.code).toBe(7);
    const listed = JSON.parse((await cli(['collections', '--json'], env())).stdout) as {
      path: string;
      locked: boolean;
    }[];
    expect(listed.filter((collection) => !collection.locked).map((collection) => collection.path)).toEqual([
      '/org/freedesktop/secrets/collection/session',
    ]);
    const diagnosis = await cli(['diagnose'], env());
    expect(diagnosis.code).toBe(3);
    expect(diagnosis.stdout).toMatch(/\[problem\] The default collection "Login" .* is locked/);
    expect(diagnosis.stdout).toMatch(
      /fix: .*secretstorage unlock --collection \/org\/freedesktop\/secrets\/collection\/login --with-password/,
    );
    const relock = await cli(['unlock', '--with-password'], env(), DEFAULT_KEYRING_PASSWORD);
    expect(relock.stderr).toBe('');
    expect((await cli(['diagnose'], env())).code).toBe(0);
    expect((await cli(['lock', '--collection', 'no-such-alias'], env())).code).toBe(1);
  });
});

describe('secretstorage diagnose', () => {
  const k = useKeyring();

  it('on a healthy keyring: the address and its source, the owner, the algorithm, the default collection; exit 0', async () => {
    const text = await cli(['diagnose'], { DBUS_SESSION_BUS_ADDRESS: k.address });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`[ok]      Session bus address ${k.address} (from DBUS_SESSION_BUS_ADDRESS).`);
    // Over TCP (an external bus) the bus cannot tell the owner's process id, so only the name is shown there.
    expect(text.stdout).toMatch(
      externalBusAddress
        ? /\[ok\] +org\.freedesktop\.secrets is owned by :\d+\.\d+/
        : new RegExp(
            `\\[ok\\] +org\\.freedesktop\\.secrets is owned by :1\\.\\d+ \\(${SERVER_FACTS.program}, pid \\d+\\)\\.`,
          ),
    );
    expect(text.stdout).toContain('Secrets are transferred encrypted (dh-ietf1024-sha256-aes128-cbc-pkcs7).');
    expect(text.stdout).toContain(
      `The default collection is "${SERVER_FACTS.label}" (${DEFAULT_COLLECTION}), unlocked.`,
    );
    // The server is told by its program, or over TCP by the other bus names it holds.
    expect(text.stdout).toMatch(new RegExp(`\\[info\\] +The server is ${SERVER_FACTS.name} \\(`));
    expect(text.stdout).toMatch(/The keyring works\.\n$/);
    const report = JSON.parse((await cli(['diagnose', '--json'], { DBUS_SESSION_BUS_ADDRESS: k.address })).stdout);
    expect(report).toMatchObject({
      verdict: 'ok',
      busAddressSource: 'DBUS_SESSION_BUS_ADDRESS',
      serviceName: 'org.freedesktop.secrets',
      algorithm: 'dh-ietf1024-sha256-aes128-cbc-pkcs7',
      defaultCollection: { path: DEFAULT_COLLECTION, label: SERVER_FACTS.label, locked: false },
    });
    expect(report.checks.map((check: { id: string }) => check.id)).toEqual([
      'backend',
      'bus-address',
      'bus',
      'service',
      'transfer',
      'collections',
      'default-collection',
      'server',
      'prompts',
    ]);
  });

  it('a Secret Service that owns the name but never answers: exit 4, not "answers, but not everything works"', async () => {
    const bare = await startPrivateBus();
    const mute = await DBusConnection.open(bare.address);
    try {
      mute.onMethodCall(() => true); // takes every call, answers none
      await mute.requestName('org.freedesktop.secrets', 4);
      const report = await diagnose({ address: bare.address, callTimeoutMs: 300 });
      expect(report.verdict).toBe('no-service'); // the CLI's exit 4, "No Secret Service on the bus answers."
      expect(report.checks.map((check) => check.summary)).toContainEqual(
        expect.stringMatching(/The Secret Service failed to answer: .* got no reply within 300 ms/),
      );
    } finally {
      await mute.close();
      await bare.stop();
    }
  });

  it('on a bus with no Secret Service (found through $XDG_RUNTIME_DIR/bus): exit 4, with how to install one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'diagnose-'));
    const bare = await startPrivateBus({ directory: dir });
    try {
      const run = await cli(['diagnose'], { XDG_RUNTIME_DIR: dir });
      expect(run.code).toBe(4);
      expect(run.stdout).toContain(`(from $XDG_RUNTIME_DIR/bus)`);
      expect(run.stdout).toContain(
        '[problem] Nothing owns org.freedesktop.secrets on this bus, and no D-Bus service file can start it.',
      );
      expect(run.stdout).toMatch(/fix: Install and start a Secret Service: gnome-keyring/);
      expect(run.stdout).toMatch(/No Secret Service on the bus answers\.\n$/);
    } finally {
      await bare.stop();
    }
  });

  it('a service the bus can activate but that fails to start: reported as activatable, then exit 4', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'diagnose-activation-'));
    await mkdir(join(dir, 'services'));
    await writeFile(
      join(dir, 'services', 'org.freedesktop.secrets.service'),
      '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/false\n',
    );
    await writeFile(
      join(dir, 'bus.conf'),
      `<busconfig><type>session</type><listen>unix:path=${dir}/bus</listen><auth>EXTERNAL</auth>
       <servicedir>${dir}/services</servicedir>
       <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
       <allow own="*"/><allow user="*"/></policy></busconfig>`,
    );
    const daemon = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address=1']);
    try {
      await new Promise((resolve, reject) => {
        daemon.stdout.once('data', resolve);
        daemon.once('error', reject);
      });
      const run = await cli(['diagnose', '--json'], { DBUS_SESSION_BUS_ADDRESS: `unix:path=${dir}/bus` });
      const report = JSON.parse(run.stdout);
      expect(run.code).toBe(4);
      expect(report).toMatchObject({ verdict: 'no-service', serviceActivatable: true });
      expect(report.checks).toContainEqual(
        expect.objectContaining({
          id: 'service',
          status: 'info',
          summary: expect.stringMatching(/can start it \(D-Bus activation\)/),
        }),
      );
      expect(report.checks).toContainEqual(
        expect.objectContaining({
          id: 'service',
          status: 'problem',
          summary: expect.stringMatching(/could not start org\.freedesktop\.secrets: .*Spawn\.ChildExited/),
          fix: expect.stringMatching(/Exec= program of its D-Bus service file/),
        }),
      );
    } finally {
      daemon.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with no bus address at all, or one that leads nowhere: exit 4, saying where it looked and what to do', async () => {
    const none = await cli(['diagnose', '--json'], {});
    expect(none.code).toBe(4);
    const report = JSON.parse(none.stdout);
    expect(report.verdict).toBe('no-bus');
    expect(report.checks[0]).toMatchObject({ id: 'backend', status: 'info' });
    expect(report.checks[1]).toMatchObject({
      id: 'bus-address',
      status: 'problem',
      summary: 'No session bus address: DBUS_SESSION_BUS_ADDRESS is not set and XDG_RUNTIME_DIR is not set either.',
    });
    expect(report.checks[1].fix).toMatch(/dbus-run-session/);
    const stale = await cli(['diagnose'], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(stale.code).toBe(4);
    expect(stale.stdout).toMatch(/\[problem\] Cannot connect to the bus: .*\/nonexistent\/bus/);
    expect(stale.stdout).toMatch(/fix: The address \(from DBUS_SESSION_BUS_ADDRESS\) points to no running bus/);
    const get = await cli(['get', 'svc', 'user'], {});
    expect(get.code).toBe(4);
    expect(get.stderr).toMatch(/No D-Bus session bus/);
    const staleGet = await cli(['get', 'svc', 'user'], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(staleGet.code).toBe(4);
    expect(staleGet.stderr).toMatch(
      /cannot connect to unix:path=\/nonexistent\/bus: ENOENT \(the session bus address from DBUS_SESSION_BUS_ADDRESS\)\. .*left over from an earlier session.*diagnose/,
    );
  });
});

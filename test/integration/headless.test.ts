/**
 * `secretstorage headless`, run as users run it: a separate process with real dbus-daemon and gnome-keyring-daemon
 * children, checked from outside through /proc (which processes are left) and the bus (what the command could do).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative as relativePath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dbusInit, getDefaultCollection, searchItems } from '../../src/index.js';
import { externalBusAddress } from '../helpers/keyring.js';
import {
  childrenOf,
  commandLine,
  describeProcess,
  REPO_ROOT,
  finished,
  killWhenTestEnds,
  runCliProcess,
  spawnCli,
  waitForOutput,
  waitUntilGone,
} from '../helpers/processes.js';

// Made in a hook, not at import: a run that skips every test here (SECRETSTORAGE_TEST_ADDRESS) runs no hooks.
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'secretstorage-headless-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const socketDirectory = (address: string) => dirname(address.replace(/^unix:path=/, ''));

/** The pid of the process that owns org.freedesktop.secrets on the bus at `address`, asked of the bus itself. */
function secretsOwner(address: string): number | undefined {
  const asked = spawnSync(
    'dbus-send',
    [
      `--bus=${address}`,
      '--print-reply=literal',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.GetConnectionUnixProcessID',
      'string:org.freedesktop.secrets',
    ],
    { encoding: 'utf8' },
  );
  const owner = /uint32 (\d+)/.exec(asked.stdout)?.[1];
  return owner === undefined ? undefined : Number(owner);
}

/**
 * Crashes gnome-keyring-daemon `times` times with SIGSEGV, each time once `restarts()` (how many times the keyring's
 * report said it serves again) shows the previous crash is over: a daemon killed while it is still being started (it
 * owns the name a moment before it is unlocked and watched) is a failed start, tried again after a pause, not a crash.
 */
async function crashRepeatedly(address: string, times: number, restarts: () => number): Promise<void> {
  let last: number | undefined;
  for (let crash = 1; crash <= times; crash++) {
    let current: number | undefined;
    for (
      let waited = 0;
      restarts() < crash - 1 || (current = secretsOwner(address)) === undefined || current === last;
    ) {
      if (waited > 20_000) throw new Error(`gnome-keyring-daemon did not serve again after crash ${crash - 1}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      waited += 50;
    }
    process.kill(current!, 'SIGSEGV');
    expect(await waitUntilGone([current!])).toEqual([]);
    last = current;
  }
}

const servedAgain = (text: string) => text.split('gnome-keyring-daemon is serving again').length - 1;

/** Parses `export NAME='value'` lines (values without quotes inside, as this command prints). */
function parseExports(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^export (\w+)='([^']*)'$/gm)].map((match) => [match[1], match[2]]));
}

describe.skipIf(externalBusAddress)('secretstorage headless -- COMMAND', () => {
  it('runs the command with a private bus and an unlocked keyring, returns its exit code and cleans up', async () => {
    const script =
      'echo "$DBUS_SESSION_BUS_ADDRESS"; printf s3cret | secret-tool store --label=L app headless-test && ' +
      'secret-tool lookup app headless-test; echo; exit 3';
    const result = await runCliProcess(['headless', '--', 'sh', '-c', script]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    const [address, secret] = result.stdout.trim().split('\n');
    expect(address).toMatch(/^unix:path=\/.*secretstorage-bus-[^/]+\/bus$/);
    expect(secret).toBe('s3cret');
    expect(existsSync(socketDirectory(address))).toBe(false);
  });

  it('starts gnome-keyring again when it crashes under the command, saying so on stderr; the items stay', async () => {
    // The daemon's pid from the bus itself (other files' daemons run beside it), then a crash as gnome-keyring's own
    // aborts look (g_error: SIGTRAP), then a lookup once the service is back.
    const script = `
      printf kept | secret-tool store --label=L app crash-test || exit 10
      pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '{print $2}')
      kill -TRAP "$pid" || exit 11
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
      for i in $(seq 1 200); do secret-tool lookup app crash-test 2>/dev/null && exit 0; sleep 0.05; done
      exit 12`;
    const result = await runCliProcess(['headless', '--', 'sh', '-c', script]);
    expect(result).toMatchObject({ code: 0, stdout: 'kept' });
    expect(result.stderr).toMatch(
      /^secretstorage headless: gnome-keyring-daemon died \(signal SIGTRAP\) while the command ran; starting it again/,
    );
    expect(result.stderr).toMatch(/\nsecretstorage headless: gnome-keyring-daemon is serving again\.\n$/);
  });

  it('leaves a gnome-keyring that keeps crashing dead after five restarts in a minute, and says why', async () => {
    // The command prints its bus address and waits for a line; the crashes come from here, paced by stderr.
    const child = spawnCli(['headless', '--', 'sh', '-c', 'echo "$DBUS_SESSION_BUS_ADDRESS"; read line']);
    const result = finished(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const address = (await waitForOutput(child, /\n/)).trim();
    await crashRepeatedly(address, 6, () => servedAgain(stderr));
    for (let waited = 0; !stderr.includes('it was not started again') && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(secretsOwner(address)).toBeUndefined();
    child.stdin!.end('done\n');
    const { code } = await result;
    expect(code).toBe(0);
    expect(stderr.match(/died \(signal SIGSEGV\) while the command ran; starting it again/g)).toHaveLength(5);
    expect(servedAgain(stderr)).toBe(5);
    expect(stderr).toContain(
      'exited (signal SIGSEGV) while the command ran; it was not started again: it had already been started again 5 ' +
        'times within 60 s, so it is not a passing race: the command goes on without a keyring.',
    );
  });

  it('ends by the signal that ended the command (SIGINT, SIGTERM, SIGHUP), so that a shell sees an interruption', async () => {
    // bash stops a loop or a script only when the job it waited for died of SIGINT, not when it exited with 130.
    for (const signal of ['INT', 'TERM', 'HUP']) {
      const result = await runCliProcess(['headless', '--', 'sh', '-c', `kill -${signal} $$`]);
      expect([result.code, result.signal], signal).toEqual([null, `SIG${signal}`]);
    }
    // Other signals (which would leave a core dump of this process, or mean nothing to a shell): 128+N.
    const usr1 = await runCliProcess(['headless', '--', 'sh', '-c', 'kill -USR1 $$']);
    expect([usr1.code, usr1.signal]).toEqual([128 + 10, null]);
    // A command that exits with 130 of its own was not interrupted: its code, as it is.
    const exited = await runCliProcess(['headless', '--', 'sh', '-c', 'exit 130']);
    expect([exited.code, exited.signal]).toEqual([130, null]);
  });

  it('gives the command none of the variables that would point it at another keyring than its own', async () => {
    const env = {
      ...process.env,
      SECRETSTORAGE_BACKEND: 'file',
      SECRETSTORAGE_FILE_PASSWORD: 'real',
      SECRETSTORAGE_FILE_PATH: join(scratch, 'real.keyring'),
      SECRET_SERVICE_BUS_NAME: 'org.example.other',
      SECRET_BACKEND: 'file',
      GNOME_KEYRING_CONTROL: '/run/user/1000/keyring',
    };
    const script =
      'echo "${SECRETSTORAGE_BACKEND-unset} ${SECRETSTORAGE_FILE_PASSWORD-unset} ${SECRETSTORAGE_FILE_PATH-unset} ' +
      '${SECRET_SERVICE_BUS_NAME-unset} ${SECRET_BACKEND-unset} ${GNOME_KEYRING_CONTROL-unset}"; ' +
      'printf v | secret-tool store --label=L app env-test && secret-tool lookup app env-test';
    const result = await runCliProcess(['headless', '--', 'sh', '-c', script], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('unset unset unset unset unset unset\nv');
    expect(existsSync(join(scratch, 'real.keyring'))).toBe(false);
  });

  it('works with a TMPDIR too long for Unix sockets (under /tmp instead) and with a relative one', async () => {
    const script =
      'echo "$DBUS_SESSION_BUS_ADDRESS"; cd / && printf v | secret-tool store --label=L a b && secret-tool lookup a b';
    const long = join(scratch, 'x'.repeat(70));
    mkdirSync(long);
    const fromLong = await runCliProcess(['headless', '--', 'sh', '-c', script], {
      env: { ...process.env, TMPDIR: long },
    });
    expect(fromLong.stderr).toBe('');
    expect(fromLong.stdout).toMatch(/^unix:path=\/tmp\/secretstorage-bus-[^/]+\/bus\nv$/);
    // Relative to the CLI's folder: made absolute, so the command can change folders and still reach the bus.
    mkdirSync(join(scratch, 'rel'));
    const relative = relativePath(REPO_ROOT, join(scratch, 'rel'));
    const fromRelative = await runCliProcess(['headless', '--', 'sh', '-c', script], {
      env: { ...process.env, TMPDIR: relative },
    });
    expect(fromRelative.stdout).toMatch(
      new RegExp(`^unix:path=${join(scratch, 'rel')}/secretstorage-bus-[^/]+/bus\nv$`),
    );
  });

  it('--print-env to a closed stdout or /dev/null starts nothing (nobody would learn how to stop it), exit 7', async () => {
    const child = killWhenTestEnds(
      spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'headless', '--print-env'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const result = await finished(child);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/standard output is closed or \/dev\/null.*nothing was started/);
  });

  it('passes everything after -- to the command untouched, --help included', async () => {
    const result = await runCliProcess(['headless', '--', 'sh', '-c', 'printf "%s|" "$@"', 'sh', '--help', '-x']);
    expect(result).toMatchObject({ code: 0, stdout: '--help|-x|' });
  });

  it('exits 127 for a command that does not exist, 126 for one that cannot be executed, and 2 without a command', async () => {
    const missing = await runCliProcess(['headless', '--', 'no-such-command-secretstorage']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('no-such-command-secretstorage: command not found');
    const notExecutable = join(scratch, 'not-executable.sh');
    writeFileSync(notExecutable, 'echo never\n', { mode: 0o644 });
    const denied = await runCliProcess(['headless', '--', notExecutable]);
    expect(denied.code).toBe(126);
    expect(denied.stderr).toContain(`${notExecutable}: permission denied (not executable)`);
    const noSeparator = await runCliProcess(['headless', 'npm', 'test']);
    expect(noSeparator.code).toBe(2);
    expect(noSeparator.stderr).toContain('Put the command after `--`: secretstorage headless -- npm test');
    expect((await runCliProcess(['headless'])).code).toBe(2);
  });

  it('forwards SIGTERM to the command, then stops the keyring once the command has exited', async () => {
    const script =
      "process.on('SIGTERM', () => { console.log('command got SIGTERM'); process.exit(7); });" +
      "console.log('ready'); setInterval(() => {}, 1000);";
    const cli = spawnCli(['headless', '--', process.execPath, '-e', script]);
    const result = finished(cli);
    await waitForOutput(cli, /ready/);
    const children = childrenOf(cli.pid!);
    expect(children.map(commandLine).join('\n')).toMatch(/dbus-daemon[\s\S]*gnome-keyring-daemon/);
    cli.kill('SIGTERM');
    const { code, stdout } = await result;
    expect(code).toBe(7);
    expect(stdout).toContain('command got SIGTERM');
    expect(await waitUntilGone(children)).toEqual([]);
  });

  /** `secretstorage headless -- node FILE` in a pseudo-terminal (script(1)); what is written to its stdin is typed. */
  function inTerminal(commandFile: string, setsid = false) {
    const cli = `'${process.execPath}' --import tsx src/cli/bin.ts headless --`;
    const command = `${setsid ? 'setsid ' : ''}'${process.execPath}' '${commandFile}'`;
    return killWhenTestEnds(
      spawn('script', ['-qec', `${cli} ${command}`, '/dev/null'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
  }

  it('on a terminal, each Ctrl-C reaches the command once (the terminal sends it to the command itself)', async () => {
    const file = join(scratch, 'count-sigint.cjs');
    writeFileSync(
      file,
      "let n = 0; process.on('SIGINT', () => { n++; console.log('SIGINT ' + n); " +
        "if (n === 3) setTimeout(() => process.exit(130), 300); }); console.log('ready'); setInterval(() => {}, 1000);",
    );
    const terminal = inTerminal(file);
    const result = finished(terminal);
    let seen = '';
    terminal.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await waitForOutput(terminal, /ready/);
    for (const n of [1, 2, 3]) {
      terminal.stdin!.write('\x03'); // Ctrl-C, typed
      await waitForOutput(terminal, new RegExp(`SIGINT ${n}`));
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const { code } = await result;
    expect(code).toBe(130);
    expect(seen.match(/SIGINT \d/g)).toEqual(['SIGINT 1', 'SIGINT 2', 'SIGINT 3']);
  });

  it('on a terminal, Ctrl-C is passed on to a command in a session of its own, which the terminal cannot reach', async () => {
    const file = join(scratch, 'one-sigint.cjs');
    writeFileSync(
      file,
      "process.on('SIGINT', () => { console.log('got SIGINT'); setTimeout(() => process.exit(130), 300); }); " +
        "console.log('ready'); setInterval(() => {}, 1000);",
    );
    const terminal = inTerminal(file, true);
    const result = finished(terminal);
    await waitForOutput(terminal, /ready/);
    terminal.stdin!.write('\x03');
    const { code, stdout } = await result;
    expect(code).toBe(130);
    expect(stdout.match(/got SIGINT/g)).toEqual(['got SIGINT']);
  });

  it('without a terminal, a SIGINT sent to the CLI alone (CI, a supervisor, kill) is passed on', async () => {
    const script =
      "process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(130); }); console.log('ready'); " +
      'setInterval(() => {}, 1000);';
    const cli = spawnCli(['headless', '--', process.execPath, '-e', script]);
    const result = finished(cli);
    await waitForOutput(cli, /ready/);
    cli.kill('SIGINT');
    const { code, stdout } = await result;
    expect(code).toBe(130);
    expect(stdout.match(/got SIGINT/g)).toEqual(['got SIGINT']);
  });

  it('leaves no daemon, command or directory behind when the headless process itself is SIGKILLed', async () => {
    const script = 'console.log(process.env.DBUS_SESSION_BUS_ADDRESS); setInterval(() => {}, 1000);';
    const cli = spawnCli(['headless', '--', process.execPath, '-e', script]);
    const result = finished(cli);
    const address = (await waitForOutput(cli, /unix:path=\S+\n/)).trim();
    const children = childrenOf(cli.pid!);
    const commands = children.map(commandLine).join('\n');
    expect(commands).toContain('dbus-daemon');
    expect(commands).toContain('gnome-keyring-daemon');
    expect(commands).toContain('setInterval');
    cli.kill('SIGKILL');
    // 'exit', not the end of output: the command holds the same stdout until the watchdog has ended it.
    const [, signal] = (await once(cli, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    // The watchdog (one of the children) removes the directories before it exits.
    const left = await waitUntilGone(children);
    expect(left.map(describeProcess)).toEqual([]);
    await result;
    expect(existsSync(socketDirectory(address))).toBe(false);
  });
});

describe.skipIf(externalBusAddress)('secretstorage headless --data-dir and --password-stdin', () => {
  it('keeps the keyring: a later run with the same password sees the secret, a wrong password is refused', async () => {
    const dataDir = join(scratch, 'kept');
    const store = await runCliProcess(
      [
        'headless',
        '--password-stdin',
        '--data-dir',
        dataDir,
        '--',
        'sh',
        '-c',
        'printf kept | secret-tool store --label=L app kept',
      ],
      { input: 'pw-1\n' },
    );
    expect(store.code).toBe(0);
    expect(existsSync(join(dataDir, 'data', 'keyrings', 'login.keyring'))).toBe(true);
    const lookup = await runCliProcess(
      ['headless', '--password-stdin', '--data-dir', dataDir, '--', 'secret-tool', 'lookup', 'app', 'kept'],
      { input: 'pw-1' },
    );
    expect(lookup).toMatchObject({ code: 0, stdout: 'kept' });
    const wrong = await runCliProcess(
      ['headless', '--password-stdin', '--data-dir', dataDir, '--', 'sh', '-c', 'echo the command ran'],
      { input: 'not-it' },
    );
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain(`The login keyring in ${dataDir} refused the password`);
    expect(wrong.stderr).not.toContain('not-it');
    const defaultPassword = await runCliProcess(['headless', '--data-dir', dataDir, '--', 'true']);
    expect(defaultPassword.code).toBe(3);
  });

  it('works across runs with the documented default password, and refuses an empty one', async () => {
    const dataDir = join(scratch, 'default-password');
    expect((await runCliProcess(['headless', '--data-dir', dataDir, '--', 'true'])).code).toBe(0);
    expect((await runCliProcess(['headless', '--data-dir', dataDir, '--', 'true'])).code).toBe(0);
    const empty = await runCliProcess(['headless', '--password-stdin', '--', 'true'], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The password on stdin is empty');
  });
});

describe.skipIf(externalBusAddress)('secretstorage headless without the system packages', () => {
  it('names the Debian/Ubuntu, Fedora and Arch packages for a missing dbus-daemon or gnome-keyring-daemon', async () => {
    const noPrograms = mkdtempSync(join(scratch, 'empty-path-'));
    const busOnly = mkdtempSync(join(scratch, 'only-dbus-'));
    symlinkSync('/usr/bin/dbus-daemon', join(busOnly, 'dbus-daemon'));
    // The command by its path: nothing else is on these PATHs.
    const command = ['headless', '--', process.execPath, '-e', ''];
    const noBus = await runCliProcess(command, { env: { ...process.env, PATH: noPrograms } });
    expect(noBus.code).toBe(4);
    expect(noBus.stderr).toContain('dbus-daemon is not installed');
    expect(noBus.stderr).toContain('Debian/Ubuntu `sudo apt-get install dbus`');
    expect(noBus.stderr).toContain('Fedora `sudo dnf install dbus-daemon`');
    expect(noBus.stderr).toContain('Arch `sudo pacman -S dbus`');
    const noKeyring = await runCliProcess(command, { env: { ...process.env, PATH: busOnly } });
    expect(noKeyring.code).toBe(4);
    expect(noKeyring.stderr).toContain('gnome-keyring-daemon is not installed');
    expect(noKeyring.stderr).toContain('`sudo apt-get install gnome-keyring`');
    expect(noKeyring.stderr).toContain('`sudo dnf install gnome-keyring`');
    expect(noKeyring.stderr).toContain('`sudo pacman -S gnome-keyring`');
  });
});

describe.skipIf(externalBusAddress)('secretstorage headless --print-env and --stop', () => {
  it('starts a keyring that outlives the command, prints sh exports, and --stop ends it and its daemons', async () => {
    const started = await runCliProcess(['headless', '--print-env']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^# Stop it with: secretstorage headless --stop$/m);
    const env = parseExports(started.stdout);
    expect(Object.keys(env)).toEqual([
      'DBUS_SESSION_BUS_ADDRESS',
      'SECRETSTORAGE_HEADLESS_LOG',
      'SECRETSTORAGE_HEADLESS_PID',
    ]);
    // The log lives beside the bus's socket, and is only written when something happens to the daemon.
    expect(dirname(env.SECRETSTORAGE_HEADLESS_LOG)).toBe(socketDirectory(env.DBUS_SESSION_BUS_ADDRESS));
    expect(existsSync(env.SECRETSTORAGE_HEADLESS_LOG)).toBe(false);
    const pid = Number(env.SECRETSTORAGE_HEADLESS_PID);
    expect(commandLine(pid)).toContain('headless-supervisor');
    const conn = await dbusInit({ address: env.DBUS_SESSION_BUS_ADDRESS });
    await getDefaultCollection(conn).createItem('from a later step', { app: 'print-env' }, 'still here');
    const [item] = await searchItems(conn, { app: 'print-env' });
    expect((await item.getSecret()).toString()).toBe('still here');
    await conn.close();
    const daemons = childrenOf(pid);
    expect(daemons.map(commandLine).join('\n')).toMatch(/dbus-daemon[\s\S]*gnome-keyring-daemon/);
    const stop = await runCliProcess(['headless', '--stop'], { env: { ...process.env, ...env } });
    expect(stop).toMatchObject({ code: 0, stderr: `Stopped the headless keyring (pid ${pid}).\n` });
    expect(await waitUntilGone([pid, ...daemons])).toEqual([]);
    expect(existsSync(socketDirectory(env.DBUS_SESSION_BUS_ADDRESS))).toBe(false);
    const again = await runCliProcess(['headless', '--stop', String(pid)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No headless keyring is running with pid ${pid}`);
  });

  it('logs what happens to gnome-keyring-daemon in the background, restarts and giving up, and --stop prints it', async () => {
    const started = await runCliProcess(['headless', '--print-env']);
    const env = parseExports(started.stdout);
    const pid = Number(env.SECRETSTORAGE_HEADLESS_PID);
    // Stopped however the test ends (it ends with --stop when it passes).
    onTestFinished(async () => {
      if ((await waitUntilGone([pid], 0)).length === 0) return;
      process.kill(pid, 'SIGTERM');
      await waitUntilGone([pid]);
    });
    const log = () =>
      existsSync(env.SECRETSTORAGE_HEADLESS_LOG) ? readFileSync(env.SECRETSTORAGE_HEADLESS_LOG, 'utf8') : '';
    // Six crashes in a row: five restarts, then it is left dead.
    await crashRepeatedly(env.DBUS_SESSION_BUS_ADDRESS, 6, () => servedAgain(log()));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(secretsOwner(env.DBUS_SESSION_BUS_ADDRESS)).toBeUndefined();
    expect(childrenOf(pid).map(commandLine).join('\n')).not.toContain('gnome-keyring-daemon');
    const stop = await runCliProcess(['headless', '--stop'], { env: { ...process.env, ...env } });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toMatch(/^What happened to gnome-keyring-daemon while it ran:\n\[\d{4}-\d\d-\d\dT[\d:.]+Z\] /);
    expect(stop.stderr.match(/died \(signal SIGSEGV\) in the background; starting it again/g)).toHaveLength(5);
    expect(stop.stderr.match(/gnome-keyring-daemon is serving again\./g)).toHaveLength(5);
    expect(stop.stderr).toContain(
      'exited (signal SIGSEGV) in the background; it was not started again: it had already been started again 5 ' +
        'times within 60 s, so it is not a passing race: clients get NoBackendError from now on; stop this keyring ' +
        '(`secretstorage headless --stop`) and start another.',
    );
    expect(stop.stderr).toMatch(/\nStopped the headless keyring \(pid \d+\)\.\n$/);
    expect(await waitUntilGone([pid])).toEqual([]);
    expect(existsSync(env.SECRETSTORAGE_HEADLESS_LOG)).toBe(false);
  });

  it('the built executable (what npm installs) starts the supervisor bundled beside it', async () => {
    const started = await runCliProcess(['headless', '--print-env'], { built: true });
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const env = parseExports(started.stdout);
    const pid = Number(env.SECRETSTORAGE_HEADLESS_PID);
    expect(commandLine(pid)).toContain('dist/bundle/cli/headless-supervisor.js');
    const conn = await dbusInit({ address: env.DBUS_SESSION_BUS_ADDRESS });
    expect(await getDefaultCollection(conn).isLocked()).toBe(false);
    await conn.close();
    const stop = await runCliProcess(['headless', '--stop'], { built: true, env: { ...process.env, ...env } });
    expect(stop.code).toBe(0);
    expect(await waitUntilGone([pid])).toEqual([]);
  });

  it('--format github prints NAME=value lines for $GITHUB_ENV', async () => {
    const started = await runCliProcess(['headless', '--print-env', '--format', 'github']);
    expect(started.code).toBe(0);
    const lines = started.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split('=')[0])).toEqual([
      'DBUS_SESSION_BUS_ADDRESS',
      'SECRETSTORAGE_HEADLESS_LOG',
      'SECRETSTORAGE_HEADLESS_PID',
    ]);
    const env = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // A later step, which GitHub Actions gives those variables.
    const conn = await dbusInit({ address: env.DBUS_SESSION_BUS_ADDRESS });
    expect(await getDefaultCollection(conn).isLocked()).toBe(false);
    await conn.close();
    const stop = await runCliProcess(['headless', '--stop', env.SECRETSTORAGE_HEADLESS_PID]);
    expect(stop.code).toBe(0);
  });

  it('relays a start failure with its exit code, and --stop refuses what is not a headless keyring', async () => {
    const dataDir = join(scratch, 'print-env-kept');
    expect((await runCliProcess(['headless', '--data-dir', dataDir, '--', 'true'])).code).toBe(0);
    const wrong = await runCliProcess(['headless', '--password-stdin', '--data-dir', dataDir, '--print-env'], {
      input: 'wrong',
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain('refused the password');
    const notOurs = await runCliProcess(['headless', '--stop', String(process.pid)]);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toContain(
      `Process ${process.pid} is not a secretstorage headless keyring; it was left alone.`,
    );
    const { SECRETSTORAGE_HEADLESS_PID: _, ...withoutPid } = process.env;
    const noPid = await runCliProcess(['headless', '--stop'], { env: withoutPid });
    expect(noPid.code).toBe(2);
    expect(noPid.stderr).toContain('No PID');
  });
});

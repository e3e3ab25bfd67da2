/** `secretstorage headless`: a private session bus with an unlocked gnome-keyring, for CI, Docker, SSH and WSL. */
import { resolve } from 'node:path';
import { nodeFs } from '../../node-fs.js';
import { parseArgs } from 'node:util';
import { DEFAULT_KEYRING_PASSWORD } from '../../testing/gnome-keyring.js';
import { runWithHeadlessKeyring } from '../../testing/run-with-keyring.js';
import type { CliIO, Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import {
  LOG_VARIABLE,
  PID_VARIABLE,
  readBackgroundLog,
  startBackgroundKeyring,
  stopBackgroundKeyring,
} from '../headless-background.js';
import { readSecret } from '../io.js';
import { FOREGROUND, reportKeyringExit } from '../keyring-exit-report.js';
import { CliExit, UsageError, parseArgsError } from '../usage-error.js';

const OPTIONS = {
  'password-stdin': { type: 'boolean' },
  'data-dir': { type: 'string' },
  'print-env': { type: 'boolean' },
  format: { type: 'string' },
  stop: { type: 'boolean' },
} as const;

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The exports for a background keyring, as `sh` lines for eval or `NAME=value` lines for `$GITHUB_ENV`. */
function formatEnv(env: Record<string, string>, format: string): string {
  const entries = Object.entries(env);
  if (format === 'github') return entries.map(([name, value]) => `${name}=${value}\n`).join('');
  return (
    entries.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('') +
    `# Stop it with: secretstorage headless --stop\n`
  );
}

async function readPassword(io: CliIO, wanted: boolean | undefined): Promise<Buffer | undefined> {
  if (!wanted) return undefined;
  const password = await readSecret(io, { prompt: 'Password for the headless keyring: ' });
  if (password.length === 0) throw new UsageError('The password on stdin is empty; gnome-keyring needs one.');
  return password;
}

/** Whether `stream` is a file descriptor on /dev/null (what Node gives a process whose stdout was closed). */
function goesNowhere(stream: CliIO['stdout']): boolean {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return false;
  try {
    const info = nodeFs().fstatSync(fd);
    return info.isCharacterDevice() && info.rdev === nodeFs().statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

export const headlessCommand: Command = {
  name: 'headless',
  summary: 'Run a command with a private, unlocked gnome-keyring (CI, Docker, SSH, WSL)',
  options: ['--password-stdin', '--data-dir', '--print-env', '--format', '--stop'],
  help: `Usage: secretstorage headless [--password-stdin] [--data-dir DIR] -- COMMAND [ARGS...]
       secretstorage headless [--password-stdin] [--data-dir DIR] --print-env [--format sh|github]
       secretstorage headless --stop [PID]

Gives a machine without a desktop session (CI, Docker, SSH, WSL) a working Secret Service: starts a private D-Bus
session bus and gnome-keyring with an unlocked login keyring, runs COMMAND with DBUS_SESSION_BUS_ADDRESS set to it,
and stops both when COMMAND ends, also when COMMAND or this process is killed. If gnome-keyring-daemon crashes
meanwhile, it is started again on the same bus and data, saying so on stderr (with --print-env, in the log
$${LOG_VARIABLE}, which --stop prints).

Options:
  --password-stdin    read the keyring's password from stdin (a no-echo prompt on a terminal); without it the
                      password is "${DEFAULT_KEYRING_PASSWORD}", which protects nothing
  --data-dir DIR      keep the keyring in DIR: created with the password on the first run, unlocked with it on later
                      runs (a wrong password is an error); default: a throwaway keyring, deleted afterwards
  --print-env         start the keyring in the background and print exports for it (for CI steps), including
                      ${PID_VARIABLE} and ${LOG_VARIABLE}
  --format FORMAT     for --print-env: sh (export lines for eval, the default) or github (NAME=value lines to
                      append to $GITHUB_ENV)
  --stop [PID]        stop a keyring started with --print-env (default: $${PID_VARIABLE})

SIGINT, SIGTERM and SIGHUP are passed on to COMMAND, but not a terminal's Ctrl-C or hang-up: the terminal sends
those to COMMAND itself (passing them on would deliver them twice).

Exit codes: COMMAND's own (ended by the same SIGINT, SIGTERM or SIGHUP that ended COMMAND; 128+N for another signal N); 126 COMMAND cannot be executed, 127 COMMAND not found;
2 usage; 3 the keyring in --data-dir refused the password; 4 dbus-daemon or gnome-keyring-daemon missing or failing.
With --stop: 0 stopped, 1 no such keyring running.

Examples:
  secretstorage headless -- npm test
  printf %s "$KEYRING_PASSWORD" | secretstorage headless --password-stdin --data-dir ~/.ci-keyring -- ./deploy.sh
  eval "$(secretstorage headless --print-env)"; npm test; secretstorage headless --stop
`,
  async run(args, io) {
    const separator = args.indexOf('--');
    const own = separator === -1 ? args : args.slice(0, separator);
    const command = separator === -1 ? [] : args.slice(separator + 1);
    let parsed;
    try {
      parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw parseArgsError(error);
    }
    const { values, positionals } = parsed;
    const modes = [command.length > 0, values['print-env'], values.stop].filter(Boolean).length;
    if (modes !== 1) {
      throw new UsageError(
        separator === -1 && positionals.length > 0
          ? `Put the command after \`--\`: secretstorage headless -- ${positionals.join(' ')}`
          : 'Give a command after `--`, or one of --print-env and --stop.',
      );
    }
    if (values.stop) {
      if (positionals.length > 1) throw new UsageError('--stop takes at most one PID.');
      const pidText = positionals[0] ?? io.env[PID_VARIABLE];
      if (pidText === undefined) {
        throw new UsageError(`No PID: pass it (--stop PID) or set ${PID_VARIABLE} (--print-env exports it).`);
      }
      if (!/^[1-9]\d*$/.test(pidText)) throw new UsageError(`Not a PID: ${JSON.stringify(pidText)}.`);
      // The log exported beside the PID is this keyring's (a PID given on the command line may be another's).
      const logPath = positionals[0] === undefined ? io.env[LOG_VARIABLE] : undefined;
      const log = logPath === undefined ? undefined : await readBackgroundLog(logPath);
      await stopBackgroundKeyring(Number(pidText));
      if (log) io.stderr.write(`What happened to gnome-keyring-daemon while it ran:\n${log.trimEnd()}\n`);
      io.stderr.write(`Stopped the headless keyring (pid ${pidText}).\n`);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}.`);
    const format = values.format ?? 'sh';
    if (!['sh', 'github'].includes(format))
      throw new UsageError(`--format must be sh or github, not ${JSON.stringify(format)}.`);
    if (values.format !== undefined && !values['print-env']) throw new UsageError('--format goes with --print-env.');
    const dataDir = values['data-dir'] === undefined ? undefined : resolve(values['data-dir']);
    const password = await readPassword(io, values['password-stdin']);
    try {
      if (values['print-env']) {
        if (goesNowhere(io.stdout)) {
          // Node hands a closed stdout /dev/null, where every write succeeds: nobody would learn how to stop it.
          throw new CliExit(
            '--print-env: standard output is closed or /dev/null, so nobody would get the exports (the address, and ' +
              'the PID to stop the keyring with); nothing was started.',
            EXIT.failure,
          );
        }
        const keyring = await startBackgroundKeyring({ dataDir, password });
        const written = await new Promise<Error | null | undefined>((settle) =>
          io.stdout.write(formatEnv({ ...keyring.env, [PID_VARIABLE]: String(keyring.pid) }, format), settle),
        );
        if (written) {
          // Nobody got the address or the PID (stdout closed): a keyring left running could never be stopped.
          await stopBackgroundKeyring(keyring.pid);
          throw new CliExit(
            `could not print the environment (${written.message}); the keyring was stopped.`,
            EXIT.failure,
          );
        }
        return EXIT.ok;
      }
      return await runWithHeadlessKeyring(command[0], command.slice(1), {
        dataDir,
        password,
        env: io.env,
        restartKeyringOnExit: true,
        onKeyringExit: (exit) => reportKeyringExit(exit, io.stderr, FOREGROUND),
        onSignalled: io.commandSignalled,
      });
    } catch (error) {
      const { code, syscall } = error as NodeJS.ErrnoException;
      if (syscall?.startsWith('spawn') && code === 'ENOENT')
        throw new CliExit(`${command[0]}: command not found.`, 127);
      if (syscall?.startsWith('spawn') && code === 'EACCES') {
        throw new CliExit(`${command[0]}: permission denied (not executable).`, 126);
      }
      throw error;
    } finally {
      password?.fill(0);
    }
  },
};

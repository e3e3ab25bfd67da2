/**
 * `secretstorage headless --print-env` and `--stop`: a headless keyring that outlives the command that started it
 * (for CI steps), run by a detached headless-supervisor process and stopped by signalling it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NoBackendError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { CliExit } from './usage-error.js';

const SUPERVISOR_NAME = 'headless-supervisor';

/**
 * The variables --print-env exports beside the bus address: the supervisor's pid (for --stop), and its log of what
 * happened to gnome-keyring-daemon.
 */
export const PID_VARIABLE = 'SECRETSTORAGE_HEADLESS_PID';
export const LOG_VARIABLE = 'SECRETSTORAGE_HEADLESS_LOG';

/** The one JSON line the supervisor prints on stdout once the keyring serves, or has failed to start. */
export interface SupervisorReport {
  ok: boolean;
  env?: Record<string, string>;
  pid?: number;
  message?: string;
  exitCode?: number;
}

export interface BackgroundKeyring {
  /** `DBUS_SESSION_BUS_ADDRESS` for the keyring. */
  env: Record<string, string>;
  /** The supervisor's pid: SIGTERM stops the keyring. */
  pid: number;
}

/**
 * The supervisor entry in cli/: the `.js` build, or the `.ts` source when running under tsx. By way of `../cli/`
 * because in dist/bundle this code may sit in a shared chunk (chunks/ is a sibling of cli/).
 */
function supervisorCommand(): string[] {
  const source = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`../cli/${SUPERVISOR_NAME}.${source ? 'ts' : 'js'}`, import.meta.url));
  return [...(source ? process.execArgv : []), entry];
}

/**
 * Starts a keyring in a detached process that survives this one.
 * @throws NoBackendError or CliExit with the supervisor's message and exit code when the keyring cannot start.
 */
export async function startBackgroundKeyring(options: {
  dataDir?: string;
  password?: Buffer;
}): Promise<BackgroundKeyring> {
  const args = [
    ...supervisorCommand(),
    ...(options.dataDir === undefined ? [] : ['--data-dir', options.dataDir]),
    ...(options.password ? ['--password-stdin'] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.password ?? Buffer.alloc(0));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const report = await new Promise<SupervisorReport>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      try {
        resolve(JSON.parse(stdout.slice(0, end)) as SupervisorReport);
      } catch {
        reject(new NoBackendError(`The background keyring sent an unreadable report: ${stdout.slice(0, end)}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(
        new NoBackendError(
          `The background keyring exited (${signal ?? `code ${code}`}) before it was ready: ${stderr.trim()}`,
        ),
      ),
    );
  });
  child.stdout!.destroy();
  child.stderr!.destroy();
  child.unref();
  if (!report.ok || !report.env || report.pid === undefined) {
    throw new CliExit(report.message ?? 'The background keyring failed to start.', report.exitCode ?? EXIT.failure);
  }
  return { env: report.env, pid: report.pid };
}

/**
 * What the supervisor logged about gnome-keyring-daemon exiting (crashes, restarts, giving up), or undefined when
 * nothing happened (no log yet) or the log is gone. Read before --stop, which removes it with the keyring.
 */
export async function readBackgroundLog(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text?.trim() ? text : undefined;
}

async function processState(pid: number): Promise<'running' | 'gone'> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name; a zombie has already exited.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? 'gone' : 'running';
  } catch {
    return 'gone';
  }
}

/**
 * Stops the background keyring whose supervisor has `pid`, and waits until it has exited.
 * @throws CliExit (exit 1) when no such keyring runs, or the pid belongs to another program.
 */
export async function stopBackgroundKeyring(pid: number): Promise<void> {
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (commandLine === undefined || (await processState(pid)) === 'gone') {
    throw new CliExit(`No headless keyring is running with pid ${pid} (already stopped?).`, EXIT.notFound);
  }
  if (!commandLine.split('\0').some((arg) => arg.includes(SUPERVISOR_NAME))) {
    throw new CliExit(`Process ${pid} is not a secretstorage headless keyring; it was left alone.`, EXIT.notFound);
  }
  process.kill(pid, 'SIGTERM');
  // The supervisor stops its daemons within a few seconds; past 20 s, SIGKILL it and let its watchdog clean up.
  for (let waited = 0; (await processState(pid)) === 'running'; waited += 50) {
    if (waited === 20_000) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

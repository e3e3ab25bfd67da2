/** Runs a command with a headless keyring of its own: what `secretstorage headless -- COMMAND` does. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { BACKEND_ENV, FILE_PASSWORD_ENV, FILE_PATH_ENV } from '../backend/choose.js';
import { forwardSignals } from '../forward-signals.js';
import { findExecutable } from './find-executable.js';
import { startHeadlessKeyring, type HeadlessKeyringOptions } from './headless-keyring.js';

export interface RunWithHeadlessKeyringOptions extends HeadlessKeyringOptions {
  /**
   * The command's environment, before `DBUS_SESSION_BUS_ADDRESS` is set (default `process.env`), without the
   * variables that would point it at another keyring (`SECRETSTORAGE_BACKEND`, `SECRET_SERVICE_BUS_NAME`, …).
   */
  env?: NodeJS.ProcessEnv;
  /** Told when the command died of a signal (the status is then 128+N), once the keyring has stopped. */
  onSignalled?: (signal: NodeJS.Signals) => void;
}

// The command starts as a shell that waits for a line on fd 3 and then execs it (same pid, fd 3 closed). Until this
// process has handed the pid to the watchdog, the command can do nothing, so nothing can see it and kill this
// process in between: a command started directly may already run while spawn() is returning.
const GATE = 'read -r _ <&3 || exit 125; exec 3<&-; exec "$@"';

/**
 * Variables that would send the command's keyring calls somewhere else than this keyring: to a keyring file (this
 * library's and libsecret's file backends, the user's real one by default), to another service name, or to the
 * desktop keyring's control socket. The command gets none of them from the environment it is started from.
 */
const ELSEWHERE = [
  BACKEND_ENV,
  FILE_PATH_ENV,
  FILE_PASSWORD_ENV,
  'SECRET_SERVICE_BUS_NAME',
  'SECRET_BACKEND',
  'SECRET_FILE_TEST_PATH',
  'SECRET_FILE_TEST_PASSWORD',
  'GNOME_KEYRING_CONTROL',
];

/** A spawn-like error, so that callers handle a missing command the same way however it was found missing. */
function spawnError(command: string, code: 'ENOENT' | 'EACCES'): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ${code}`), { code, syscall: `spawn ${command}`, path: command });
}

/**
 * Starts a headless keyring, runs `command` on it with inherited stdio, and stops the keyring when the command ends;
 * resolves with the command's exit code, or 128+N when signal N ended it. SIGINT, SIGTERM and SIGHUP are passed on
 * to the command (once: see ../forward-signals.ts); if this process is killed outright, the keyring's watchdog ends
 * the command and the daemons.
 * @throws an error with `code` ENOENT or EACCES (and `syscall` `spawn COMMAND`) when the command is not found or not
 *   executable, before anything is started; startHeadlessKeyring's errors.
 */
export async function runWithHeadlessKeyring(
  command: string,
  args: readonly string[],
  options: RunWithHeadlessKeyringOptions = {},
): Promise<number> {
  const env = { ...(options.env ?? process.env) };
  for (const name of ELSEWHERE) delete env[name];
  const runnable = await findExecutable(command, env.PATH);
  if (runnable !== 'ok') throw spawnError(command, runnable);
  const keyring = await startHeadlessKeyring(options);
  const child = spawn('/bin/sh', ['-c', GATE, 'sh', command, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...env, ...keyring.env },
  });
  keyring.adopt(child);
  const gate = child.stdio[3] as Writable;
  gate.on('error', () => undefined);
  gate.end('go\n');
  // Signals are passed on to the command, which then decides how to end (the keyring stays until it has).
  const stopForwarding = forwardSignals(child);
  let signalled: NodeJS.Signals | null = null;
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        signalled = signal;
        resolve(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
      });
    });
  } finally {
    // Still listening while the keyring stops, so that a late signal cannot cut the cleanup short.
    await keyring.stop();
    stopForwarding();
    if (signalled) options.onSignalled?.(signalled);
  }
}

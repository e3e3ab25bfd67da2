/** Runs a command with a headless keyring of its own: what `secretstorage headless -- COMMAND` does. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { startHeadlessKeyring, type HeadlessKeyringOptions } from './headless-keyring.js';

export interface RunWithHeadlessKeyringOptions extends HeadlessKeyringOptions {
  /** The command's environment, before `DBUS_SESSION_BUS_ADDRESS` is set (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Signals passed on to the command, which then decides how to end (the keyring stays until it has). */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Starts a headless keyring, runs `command` on it with inherited stdio, and stops the keyring when the command ends;
 * resolves with the command's exit code, or 128+N when signal N ended it. SIGINT, SIGTERM and SIGHUP are forwarded
 * to the command; if this process is killed outright, the keyring's watchdog ends the command and the daemons.
 * @throws the spawn error (`code` ENOENT or EACCES) when the command cannot be started, and startHeadlessKeyring's.
 */
export async function runWithHeadlessKeyring(
  command: string,
  args: readonly string[],
  options: RunWithHeadlessKeyringOptions = {},
): Promise<number> {
  const keyring = await startHeadlessKeyring(options);
  const child = spawn(command, args, { stdio: 'inherit', env: { ...(options.env ?? process.env), ...keyring.env } });
  keyring.adopt(child);
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1)));
    });
  } finally {
    // Still listening while the keyring stops, so that a late signal cannot cut the cleanup short.
    await keyring.stop();
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

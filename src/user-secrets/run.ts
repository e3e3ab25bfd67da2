/**
 * Running a command with the project's secrets in its environment (`user-secrets run -- cmd args…`): no shell, the
 * terminal and stdio inherited, signals passed on (../forward-signals.ts), and the command's exit status returned (128 + N
 * when a signal N ended it, as shells report it). Note that any process of the same user can read a running
 * process's environment (/proc/<pid>/environ).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { FILE_PASSWORD_ENV } from '../backend/choose.js';
import { forwardSignals } from '../forward-signals.js';
import { applySecrets, type ApplySecretsResult, type Environment } from './environment.js';
import { CommandNotStartedError } from './errors.js';

export interface RunWithSecretsOptions {
  /**
   * The environment to start from (default `process.env`; not modified), without SECRETSTORAGE_FILE_PASSWORD: the
   * command is given its secrets, not the password of the keyring file that holds them and every other secret.
   */
  env?: Environment;
  /** Let secrets replace variables that already exist (default false: existing variables win). */
  override?: boolean;
  /** Default `inherit`. */
  stdio?: StdioOptions;
  /** Working directory of the command. */
  cwd?: string;
  /** Told which variables were set before the command starts (e.g. for a --verbose note). */
  onEnvironment?: (result: ApplySecretsResult) => void;
  /** Told when the command died of a signal (the status is then 128+N). */
  onSignalled?: (signal: NodeJS.Signals) => void;
}

/**
 * Runs `command` with `args` and the secrets added to its environment; resolves with its exit status.
 * @throws CommandNotStartedError when the command cannot be started (nothing ran).
 */
export async function runWithSecrets(
  command: string,
  args: readonly string[],
  secrets: ReadonlyMap<string, string>,
  options: RunWithSecretsOptions = {},
): Promise<number> {
  const env: Environment = { ...(options.env ?? process.env) };
  // The keyring file's password stays here: the command gets its secrets, not the key to every other one in the file.
  delete env[FILE_PASSWORD_ENV];
  const applied = applySecrets(env, secrets, { override: options.override });
  options.onEnvironment?.(applied);
  const child = spawn(command, args, { env, stdio: options.stdio ?? 'inherit', cwd: options.cwd });
  const stopForwarding = forwardSignals(child);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code === 'ENOENT' ? 'not-found' : error.code === 'EACCES' ? 'not-executable' : 'other';
        reject(new CommandNotStartedError(command, reason, error));
      });
      child.once('close', (code, signal) => {
        if (signal) {
          options.onSignalled?.(signal);
          resolve(128 + (constants.signals[signal] ?? 0));
        } else resolve(code ?? 1);
      });
    });
  } finally {
    stopForwarding();
  }
}

/**
 * What every `user-secrets` subcommand shares: the common options (`--project`, `--id`, `--json`, `--timeout`),
 * the shape of a subcommand, and opening the project's secrets with the bus taken from the command's environment.
 */
import type { ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { dbusInit } from '../../../dbus-init.js';
import { findProject } from '../../../user-secrets/find-project.js';
import { UserSecretsManager } from '../../../user-secrets/manager.js';
import type { CliIO } from '../../command.js';
import { parseTimeout } from '../../keyring-args.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  project: { type: 'string', short: 'p' },
  id: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
} as const satisfies Options;

export const COMMON_HELP = `Common options (before or after the subcommand):
  --project, -p DIR   the project directory whose .env holds ENV_SECRETS_ID (default: the nearest .env with an
                      id from the current directory up to the repository root, else the nearest .env, else
                      the repository root, else the current directory)
  --id UUID           use this project id instead of the one in .env
  --json              print JSON on stdout (errors as JSON on stderr)
  --timeout SECONDS   give up on an unlock prompt after this long`;

export interface CommonValues {
  project?: string;
  id?: string;
  json?: boolean;
  timeout?: string;
}

export interface Context {
  io: CliIO;
  /** Parsed option values (common and the subcommand's own). */
  values: CommonValues & Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** The arguments after `--` (for `run`). */
  command: string[];
  /** The project directory, resolved. */
  projectDir: string;
}

export interface Subcommand {
  name: string;
  aliases?: string[];
  /** One line for the subcommand list. */
  summary: string;
  /** Its section of the help: synopsis, options, notes. */
  help: string;
  options: Options;
  positionals: { min: number; max: number; names: string };
  run(context: Context): Promise<number>;
}

/** The project's secrets, opened from the context's options, closed after `use`. */
export async function withManager<T>(
  context: Context,
  use: (manager: UserSecretsManager) => Promise<T>,
  options: { init?: boolean } = {},
): Promise<T> {
  const { io, values } = context;
  const timeoutMs = parseTimeout(values.timeout);
  const manager = await UserSecretsManager.open({
    projectDir: context.projectDir,
    id: values.id,
    init: options.init,
    connect: () => dbusInit({ env: io.env }),
    backendEnv: io.env,
    prompt: timeoutMs === undefined ? {} : { timeoutMs },
  });
  try {
    return await use(manager);
  } finally {
    await manager.close();
  }
}

/**
 * The project directory from --project, else found from the current directory upwards (the nearest `.env` with an
 * id, up to the repository root), saying on stderr which `.env` that is when it is not the current directory's.
 */
export async function projectDirOf(values: CommonValues, io: CliIO): Promise<string> {
  if (values.project !== undefined) return resolve(values.project);
  const found = await findProject(process.cwd(), io.env);
  if (found.projectDir !== resolve(process.cwd())) note(io, `user-secrets: using ${found.envFile}`);
  return found.projectDir;
}

/** Writes a line to stderr: notes and confirmations, so stdout stays data only. */
export function note(io: CliIO, text: string): void {
  io.stderr.write(`${text}\n`);
}

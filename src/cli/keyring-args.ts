/**
 * Argument parsing shared by the keyring commands (get, set, delete, search, lock, unlock, collections, diagnose):
 * node:util parseArgs with usage errors, the common options, and `--attr NAME=VALUE` pairs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { KeyringOptions } from '../keyring/operation.js';
import { PROFILES, type ProfileName } from '../keyring/profiles.js';
import type { CliIO } from './command.js';
import { ItemNotFoundException } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { CliExit, UsageError, parseArgsError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed values of `T`: strings (arrays when `multiple`) and booleans, absent when not given. */
export type ParsedValues<T extends Options> = {
  [K in keyof T]?: T[K] extends { type: 'string' } ? (T[K] extends { multiple: true } ? string[] : string) : boolean;
};

/** `--collection`, `--timeout`, `--json`: taken by every keyring command that talks to the service. */
export const COMMON_OPTIONS = {
  collection: { type: 'string', short: 'c' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Options;

/** The common options plus `--profile`, for the commands that read or write passwords by service and user. */
export const PASSWORD_OPTIONS = { ...COMMON_OPTIONS, profile: { type: 'string' } } as const satisfies Options;

export const COMMON_HELP = `  --collection, -c C  a collection alias (default, login, session) or object path
  --timeout SECONDS   give up after this long; an open prompt is dismissed
  --json              print JSON on stdout (errors as JSON on stderr)`;

export const PROFILE_HELP = `  --profile NAME      whose format to write and to prefer when reading: python-keyring (default),
                      keytar or keyring-rs`;

/** The option names of a parseArgs config, for shell completion. */
export function optionNames(options: Options): string[] {
  return Object.entries(options).flatMap(([name, option]) => [
    `--${name}`,
    ...(option.short ? [`-${option.short}`] : []),
  ]);
}

/**
 * Parses `args` against `options`, with `positionals` allowed.
 * @throws UsageError for unknown options, missing values or too many or too few positionals.
 */
export function parseCommandArgs<T extends Options>(
  args: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
): { values: ParsedValues<T>; positionals: string[] } {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw parseArgsError(error);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min || count > positionals.max) {
    throw new UsageError(
      `expected ${positionals.names}, got ${count === 0 ? 'nothing' : `${count} argument${count === 1 ? '' : 's'}`}.`,
    );
  }
  return { values: parsed.values as ParsedValues<T>, positionals: parsed.positionals };
}

/**
 * `--timeout SECONDS` as milliseconds.
 * @throws UsageError unless it is a positive number.
 */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new UsageError(`--timeout expects a positive number of seconds, got ${JSON.stringify(value)}.`);
  }
  return Math.round(seconds * 1000);
}

/**
 * The KeyringOptions for the common options, reading the bus from the command's environment.
 * @throws UsageError for an unknown profile or a bad timeout.
 */
export function keyringOptions(
  values: { profile?: string; collection?: string; timeout?: string },
  io: CliIO,
): KeyringOptions {
  if (values.profile !== undefined && !Object.hasOwn(PROFILES, values.profile)) {
    throw new UsageError(
      `unknown --profile ${JSON.stringify(values.profile)}; use ${Object.keys(PROFILES).join(', ')}.`,
    );
  }
  if (values.collection === '') throw new UsageError('--collection needs an alias or an object path.');
  return {
    env: io.env,
    ...(values.profile !== undefined ? { profile: values.profile as ProfileName } : {}),
    ...(values.collection !== undefined ? { collection: values.collection } : {}),
    ...(values.timeout !== undefined ? { timeoutMs: parseTimeout(values.timeout) } : {}),
  };
}

/**
 * `NAME=VALUE` pairs (from repeated `--attr`) as an attributes object.
 * @throws UsageError for a pair without `=` or with an empty name.
 */
export function parseAttributes(pairs: string[] | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr expects NAME=VALUE, got ${JSON.stringify(pair)}.`);
    attributes[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return attributes;
}

/** Whether to end a printed secret with a newline: as asked, else only on a terminal (as secret-tool does). */
export function wantsNewline(values: { newline?: boolean; 'no-newline'?: boolean }, io: CliIO): boolean {
  if (values.newline && values['no-newline']) throw new UsageError('--newline and --no-newline contradict each other.');
  if (values.newline) return true;
  if (values['no-newline']) return false;
  return Boolean(io.stdout.isTTY);
}

/**
 * Runs `work`, turning a missing collection or alias (ItemNotFoundException) into exit code 1, "not found", with the
 * library's message.
 */
export async function exitNotFound<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ItemNotFoundException) throw new CliExit(error.message, EXIT.notFound);
    throw error;
  }
}

/** secret-tool's commands and the password command a user of `get SERVICE USERNAME` may have meant instead. */
const PASSWORD_EQUIVALENT: Record<string, string> = { lookup: 'get', store: 'set', clear: 'delete' };

/**
 * For one or two arguments to lookup, store or clear (`lookup myapp alice`, a `get` habit), the password command
 * that takes them as a service and a user name, as a clause to add to a message; else ''.
 */
export function passwordCommandHint(command: string, args: string[]): string {
  const password = PASSWORD_EQUIVALENT[command];
  if (!password || args.length === 0 || args.length > 2) return '';
  return `; for a password by service and user name: secretstorage ${password} ${args.map(shellQuote).join(' ')}`;
}

/** The positionals of secret-tool's commands (lookup, store, clear): any number, checked by parseAttributePairs. */
export const ATTRIBUTE_PAIRS = { min: 0, max: Infinity, names: 'ATTRIBUTE VALUE pairs' } as const;

/**
 * secret-tool's `ATTRIBUTE VALUE …` arguments as an attributes object.
 * @throws UsageError for no pairs or an odd count, with the pairs spelled out and, for a lone SERVICE, the password
 *   command that takes it (`lookup myapp` → `get myapp`).
 */
export function parseAttributePairs(command: string, args: string[]): Record<string, string> {
  if (args.length === 0 || args.length % 2 === 1) {
    throw new UsageError(
      `${command} takes ATTRIBUTE VALUE pairs, as secret-tool does ` +
        `(secretstorage ${command} service SERVICE username USERNAME)${passwordCommandHint(command, args)}.`,
    );
  }
  const attributes: Record<string, string> = {};
  for (let index = 0; index < args.length; index += 2) {
    if (args[index] === '') throw new UsageError(`${command}: an attribute name cannot be empty.`);
    attributes[args[index]] = args[index + 1];
  }
  return attributes;
}

/** What lookup and clear say when nothing matched: the attributes, and the password command for two arguments. */
export function nothingMatched(command: string, args: string[]): string {
  const pairs = [];
  for (let index = 0; index < args.length; index += 2) pairs.push(`${args[index]}=${shellQuote(args[index + 1])}`);
  return `No item has the attributes ${pairs.join(' ')}${passwordCommandHint(command, args)}.`;
}

/** `value` as a shell word: bare when it is safe, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `secretstorage user-secrets <subcommand>` (also the `user-secrets` executable): a project's secrets kept in the
 * keyring, linked by the ENV_SECRETS_ID in its `.env`. This file only finds the subcommand and parses arguments;
 * each subcommand is a file in `user-secrets/`, and the work is done by the user-secrets library.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { shellQuote } from '../keyring-args.js';
import { UsageError, parseArgsError } from '../usage-error.js';
import { COMMON_HELP, COMMON_OPTIONS, projectDirOf, type Context, type Subcommand } from './user-secrets/context.js';
import { subcommands } from './user-secrets/index.js';

const VALUE_OPTIONS = new Set(['--project', '-p', '--id', '--timeout']);

function findSubcommand(name: string): Subcommand | undefined {
  return subcommands.find((subcommand) => subcommand.name === name || subcommand.aliases?.includes(name));
}

/** Splits `[common options] SUBCOMMAND [options] [-- command…]`. */
function splitArguments(args: string[]): { leading: string[]; name?: string; own: string[]; command: string[] } {
  let index = 0;
  while (index < args.length && args[index].startsWith('-') && args[index] !== '--') {
    index += VALUE_OPTIONS.has(args[index]) ? 2 : 1;
  }
  const leading = args.slice(0, index);
  const rest = args.slice(index + 1);
  const dashes = rest.indexOf('--');
  return {
    leading,
    name: args[index],
    own: dashes === -1 ? rest : rest.slice(0, dashes),
    command: dashes === -1 ? [] : rest.slice(dashes + 1),
  };
}

/**
 * `run node -e …` without `--`: the command's own words would be taken for run's options and arguments.
 * @throws UsageError showing the same command line with `--` where it belongs.
 */
function requireDashesBeforeCommand(args: string[]): void {
  const ownOptions = new Set(['--override', '--verbose', '--json', ...VALUE_OPTIONS]);
  let index = 0;
  while (index < args.length && ownOptions.has(args[index].split('=')[0])) {
    index += VALUE_OPTIONS.has(args[index]) ? 2 : 1; // --project=DIR carries its value
  }
  if (index >= args.length) return;
  const options = args.slice(0, index).map(shellQuote);
  const line = ['user-secrets', 'run', ...options, '--', ...args.slice(index).map(shellQuote)].join(' ');
  throw new UsageError(`put the command to run after --, as in: ${line}`);
}

function parse(subcommand: Subcommand, args: string[]): Pick<Context, 'values' | 'positionals'> {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...subcommand.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw parseArgsError(error, `${subcommand.name}: `);
  }
  const { min, max, names } = subcommand.positionals;
  const count = parsed.positionals.length;
  if (count < min || count > max) {
    throw new UsageError(
      `${subcommand.name} expects ${names}, got ${count === 0 ? 'nothing' : `${count} argument(s)`}.`,
    );
  }
  return { values: parsed.values as Context['values'], positionals: parsed.positionals };
}

const HELP = `Usage: user-secrets [common options] <subcommand> [options]
       secretstorage user-secrets …   (alias: secretstorage us …)

Keeps a project's secrets out of the project directory, encrypted in the Secret Service (gnome-keyring, KWallet,
KeePassXC, oo7). The project's .env holds only ENV_SECRETS_ID=<uuid> (the id python-env-secrets uses); each
secret is one keyring item with the attributes xdg:schema=io.github.secretstorage.UserSecrets,
user-secrets-id=<uuid> and key=<KEY>. Values are never read from the command line or printed unless asked for.

Subcommands:
${subcommands.map((subcommand) => `  ${subcommand.name.padEnd(8)}  ${subcommand.summary}`).join('\n')}

${subcommands.map((subcommand) => subcommand.help).join('\n\n')}

${COMMON_HELP}

Exit codes: 0 ok, 1 key not found, 2 usage, 3 keyring locked (prompt dismissed or impossible), 4 no keyring
service, 5 project not initialised or invalid id, 6 data error (unparseable import, conflicts, no dotenv form),
7 other failure; run: the command's own exit code (127 not found, 126 not executable).

Examples:
  user-secrets init
  printf %s "$TOKEN" | user-secrets set API_TOKEN
  user-secrets list
  user-secrets run -- node server.js
  user-secrets import                       # from ~/.python/envsecrets/<id>/.secrets
  cat secrets.json | user-secrets import -  # dotnet user-secrets JSON
  user-secrets export --format json > backup.json
`;

export const userSecretsCommand: Command = {
  name: 'user-secrets',
  aliases: ['us'],
  summary: 'Project secrets outside the project, in the keyring (init, set, get, list, run, import, export…)',
  help: HELP,
  helpFor(args) {
    const subcommand = findSubcommand(
      splitArguments(args.filter((arg) => arg !== '--help' && arg !== '-h')).name ?? '',
    );
    if (!subcommand) return HELP;
    return `Usage: user-secrets [common options] ${subcommand.help}\n\n${COMMON_HELP}\n`;
  },
  options: [
    ...subcommands.flatMap((subcommand) => [subcommand.name, ...(subcommand.aliases ?? [])]),
    '--project',
    '--id',
    '--json',
  ],
  async run(args, io) {
    const { leading, name, own, command } = splitArguments(args);
    if (name === undefined) {
      io.stdout.write(HELP);
      return EXIT.usage;
    }
    const subcommand = findSubcommand(name);
    if (!subcommand)
      throw new UsageError(`unknown subcommand "${name}"; use one of ${subcommands.map((s) => s.name).join(', ')}.`);
    if (subcommand.name === 'run' && command.length === 0) requireDashesBeforeCommand([...leading, ...own]);
    const { values, positionals } = parse(subcommand, [...leading, ...own]);
    const projectDir = await projectDirOf(values, io);
    return subcommand.run({ io, values, positionals, command, projectDir });
  },
};

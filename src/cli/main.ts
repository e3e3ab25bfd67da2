/**
 * The `secretstorage` command: dispatches to one command per file in `commands/`, prints errors as one clean line
 * (or JSON with --json), and ends with the documented exit code. No secret-service logic lives here.
 */
import { nodeFs } from '../node-fs.js';
import type { CliIO, Command } from './command.js';
import { findCommand, loadCommands } from './commands/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { CliExit } from './usage-error.js';

/** What `--json` calls a CliExit (a failure the CLI itself reports, with its exit code), as `kind`. */
function cliExitKind(code: number): string {
  return code === EXIT.notFound ? 'NotFound' : code === EXIT.interrupted ? 'Interrupted' : 'Failure';
}

const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    not found / nothing matched
  2    usage error (bad arguments, secret refused in argv, nothing to read it from)
  3    locked (unlock prompt dismissed, timed out, or impossible here)
  4    no session bus or no Secret Service on it
  5    user secrets: project not initialised or invalid id
  6    data error (unparseable import, conflicting keys)
  7    other failure
  130  interrupted`;

function version(): string {
  const pkg = JSON.parse(nodeFs().readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function mainHelp(program: string): Promise<string> {
  const commands = await loadCommands();
  const label = (command: Command) =>
    command.aliases?.length ? `${command.name} (${command.aliases.join(', ')})` : command.name;
  const width = Math.max(...commands.map((command) => label(command).length), 10);
  const list = commands.map((command) => `  ${label(command).padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: ${program} [options] <command> [options]

The FreeDesktop Secret Service (gnome-keyring, KWallet, KeePassXC, oo7) from the command line.
Secrets are read from stdin or a no-echo prompt, never from the command line.

Commands (aliases in parentheses):
${list}

Options such as --json, --collection and --timeout go before or after the command.
Run '${program} <command> --help' for a command's options.

${EXIT_CODES_HELP}
`;
}

/** The options that take a value, so that the value is not taken for the command name when they come first. */
const VALUE_OPTIONS = new Set([
  '--collection',
  '-c',
  '--timeout',
  '--profile',
  '--attr',
  '--address',
  '--project',
  '-p',
  '--id',
]);

/**
 * Splits `[options] COMMAND [arguments]`: options given before the command are handed to it like the ones after
 * (`--json get myapp alice` is `get --json myapp alice`).
 */
function splitLeadingOptions(argv: string[]): { leading: string[]; name?: string; rest: string[] } {
  let index = 0;
  while (index < argv.length && argv[index].startsWith('-') && argv[index] !== '--') {
    index += VALUE_OPTIONS.has(argv[index]) ? 2 : 1;
  }
  return { leading: argv.slice(0, index), name: argv[index], rest: argv.slice(index + 1) };
}

/** Runs the CLI with `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: string[], io: CliIO, program = 'secretstorage'): Promise<number> {
  const { leading, name, rest } = splitLeadingOptions(argv);
  if (name === undefined || name === 'help') {
    if (leading.includes('--version') || leading.includes('-V')) {
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    const target = name === 'help' && rest[0] ? await findCommand(rest[0])?.load() : undefined;
    io.stdout.write(target ? target.help : await mainHelp(program));
    const asked = name === 'help' || leading.includes('--help') || leading.includes('-h');
    if (!asked && leading.length > 0) {
      io.stderr.write(`${program}: no command after ${leading.join(' ')}.\n`);
    }
    return asked ? EXIT.ok : EXIT.usage;
  }
  const command = await findCommand(name)?.load();
  if (!command) {
    io.stderr.write(`${program}: unknown command "${name}". Run '${program} --help' for the list.\n`);
    return EXIT.usage;
  }
  return runCommand(command, [...leading, ...rest], io, `${program} ${command.name}`, `${program} ${command.name}`);
}

/**
 * Runs one command with its arguments: its help for --help, else the command, printing a failure as one line
 * prefixed with `prefix` (or JSON with --json) and resolving with the exit code.
 */
export async function runCommand(
  command: Command,
  args: string[],
  io: CliIO,
  prefix: string,
  helpCommand: string,
): Promise<number> {
  // Arguments after `--` belong to another program (`headless -- CMD --help`), not to the command.
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout.write(command.helpFor?.(own) ?? command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    if (own.includes('--json')) {
      const kind = error instanceof CliExit ? cliExitKind(code) : error instanceof Error ? error.name : 'Error';
      io.stderr.write(`${JSON.stringify({ error: { code, kind, message } })}\n`);
    } else {
      io.stderr.write(`${prefix}: ${message}\n`);
      if (code === EXIT.usage) io.stderr.write(`Run '${helpCommand} --help' for usage.\n`);
    }
    if (process.env.SECRETSTORAGE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return code;
  }
}

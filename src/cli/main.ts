/**
 * The `secretstorage` command: dispatches to one command per file in `commands/`, prints errors as one clean line
 * (or JSON with --json), and ends with the documented exit code. No secret-service logic lives here.
 */
import { readFileSync } from 'node:fs';
import type { CliIO, Command } from './command.js';
import { commands } from './commands/index.js';
import { completionScript } from './completion.js';
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
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function mainHelp(program: string): string {
  const width = Math.max(...commands.map((command) => command.name.length), 10);
  const list = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: ${program} <command> [options]

The FreeDesktop Secret Service (gnome-keyring, KWallet, KeePassXC, oo7) from the command line.
Secrets are read from stdin or a no-echo prompt, never from the command line.

Commands:
${list}
  ${'completion'.padEnd(width)}  Print a shell completion script (bash, zsh or fish)

Run '${program} <command> --help' for a command's options.

${EXIT_CODES_HELP}
`;
}

export function findCommand(name: string): Command | undefined {
  return commands.find((command) => command.name === name || command.aliases?.includes(name));
}

/** Runs the CLI with `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: string[], io: CliIO, program = 'secretstorage'): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    io.stdout.write(target ? target.help : mainHelp(program));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (name === 'completion') {
    const script = completionScript(rest[0] ?? 'bash', program, commands);
    if (!script) {
      io.stderr.write(`${program}: completion: unknown shell ${JSON.stringify(rest[0])}; use bash, zsh or fish.\n`);
      return EXIT.usage;
    }
    io.stdout.write(script);
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (!command) {
    io.stderr.write(`${program}: unknown command "${name}". Run '${program} --help' for the list.\n`);
    return EXIT.usage;
  }
  // Arguments after `--` belong to another program (`headless -- CMD --help`), not to the command.
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout.write(command.helpFor?.(own) ?? command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    if (own.includes('--json')) {
      const kind = error instanceof CliExit ? cliExitKind(code) : error instanceof Error ? error.name : 'Error';
      io.stderr.write(`${JSON.stringify({ error: { code, kind, message } })}\n`);
    } else {
      io.stderr.write(`${program} ${command.name}: ${message}\n`);
      if (code === EXIT.usage) io.stderr.write(`Run '${program} ${command.name} --help' for usage.\n`);
    }
    if (process.env.SECRETSTORAGE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return code;
  }
}

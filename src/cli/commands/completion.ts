/** `secretstorage completion bash|zsh|fish`: print a shell completion script for every command. */
import type { Command } from '../command.js';
import { completionScript } from '../completion.js';
import { EXIT } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';

const SHELLS = ['bash', 'zsh', 'fish'];

/** The completion command, completing the commands that `all()` loads (itself among them). */
export function completionCommand(all: () => Promise<Command[]>): Command {
  return {
    name: 'completion',
    summary: 'Print a shell completion script (bash, zsh or fish)',
    options: SHELLS,
    help: `Usage: secretstorage completion [bash|zsh|fish]

Prints a completion script for the shell (default: bash) that completes the commands and their options.

Exit codes: 0 printed, 2 unknown shell.

Examples:
  source <(secretstorage completion bash)                 # in ~/.bashrc
  source <(secretstorage completion zsh)                  # in ~/.zshrc
  secretstorage completion fish > ~/.config/fish/completions/secretstorage.fish
`,
    async run(args, io) {
      if (args.length > 1) throw new UsageError(`expected one shell (${SHELLS.join(', ')}), got ${args.length}.`);
      const shell = args[0] ?? 'bash';
      const script = completionScript(shell, 'secretstorage', await all());
      if (!script) throw new UsageError(`unknown shell ${JSON.stringify(shell)}; use ${SHELLS.join(', ')}.`);
      io.stdout.write(script);
      return EXIT.ok;
    },
  };
}

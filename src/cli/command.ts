/** The shape of one CLI command: each lives in its own file under `commands/` and only parses and calls the library. */
import type { Readable, Writable } from 'node:stream';

/** Where a command reads and writes: the process's streams in real use, buffers in tests. */
export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /**
   * Told when a command this CLI ran (`headless -- CMD`, `user-secrets run -- CMD`) died of a signal: the executable
   * then ends by the same signal once the CLI is done. Absent where the CLI runs in a process it must not end (tests).
   */
  commandSignalled?: (signal: NodeJS.Signals) => void;
}

export interface Command {
  /** The name typed after `secretstorage`. */
  name: string;
  /** Other names for it (e.g. `del` for `delete`). */
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text: synopsis, options, exit codes, examples. */
  help: string;
  /** The help for these arguments, when a command has subcommands with their own help (default: `help`). */
  helpFor?(args: string[]): string;
  /** Option names the shell completion offers. */
  options?: string[];
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

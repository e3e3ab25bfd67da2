/** A mistake in how the CLI was called: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What `--json` reports as an error's `kind` for a CliExit, by exit code. */
const KIND_BY_EXIT_CODE: Record<number, string> = { 1: 'NotFound', 130: 'Interrupted' };

/** An error that carries the exit code the CLI should end with (e.g. 1 for "not found" with a message). */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }

  /** What happened, for `--json` errors: `NotFound`, `Interrupted`, else `Failure`. */
  get kind(): string {
    return KIND_BY_EXIT_CODE[this.exitCode] ?? 'Failure';
  }
}

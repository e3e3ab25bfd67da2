/** A mistake in how the CLI was called: printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The UsageError for what `util.parseArgs` refused, said plainly (its own advice for an unknown option ends in an
 * unbalanced quote).
 */
export function parseArgsError(error: unknown, prefix = ''): UsageError {
  const { code, message } = error as { code?: string; message: string };
  const option = /^Unknown option '(.*)'\. /.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return new UsageError(
      `${prefix}unknown option '${option}'. An argument that starts with '-' goes after '--', as in: -- ${option}`,
    );
  }
  return new UsageError(`${prefix}${message}`);
}

/** An error that carries the exit code the CLI should end with (e.g. 1 for "not found" with a message). */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A y/N question on the terminal, for destructive steps the user did not ask for with a flag. */
import { createInterface } from 'node:readline';
import type { CliIO } from '../../command.js';

/** Whether a question can be asked: stdin and stderr are terminals. */
export function canAsk(io: CliIO): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

/** Asks `question` (shown with ` [y/N] `); only "y" or "yes" answers yes. */
export async function askYesNo(io: CliIO, question: string): Promise<boolean> {
  const lines = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    io.stderr.write(`${question} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      lines.once('line', resolve);
      lines.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    lines.close();
  }
}

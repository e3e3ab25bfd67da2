/**
 * What `secretstorage headless` says when gnome-keyring-daemon exits without being asked to: on stderr while a
 * COMMAND runs, into the background keyring's log with `--print-env` (which `--stop` prints).
 */
import { CRASH_LOOP, type KeyringExit } from '../testing/headless-keyring.js';

const SAYS = 'secretstorage headless:';

/** Where the keyring runs, in the report's words. */
export interface ExitContext {
  /** When it happened: `while the command ran`. */
  during: string;
  /** What follows when the daemon stays dead. */
  without: string;
}

export const FOREGROUND: ExitContext = {
  during: 'while the command ran',
  without: 'the command goes on without a keyring',
};

export const BACKGROUND: ExitContext = {
  during: 'in the background',
  without:
    'clients get NoBackendError from now on; stop this keyring (`secretstorage headless --stop`) and start another',
};

/**
 * Reports an exit of gnome-keyring-daemon that nobody asked for (with the end of its output), and then whether it
 * could be started again.
 */
export function reportKeyringExit(
  exit: KeyringExit,
  out: { write(text: string): unknown },
  context: ExitContext,
): void {
  const said = exit.output.trim().split('\n').slice(-5).join('\n');
  const tail = said ? `\nIts last output:\n${said}` : '';
  if (!exit.restarting) {
    const why =
      exit.notRestarted === 'crash loop'
        ? `it had already been started again ${CRASH_LOOP.restarts} times within ${CRASH_LOOP.withinMs / 1000} s, ` +
          `so it is not a passing race: ${context.without}`
        : exit.notRestarted === 'bus gone'
          ? 'its bus is gone too'
          : 'a clean exit means it was stopped from outside or its bus went away';
    out.write(
      `${SAYS} gnome-keyring-daemon exited (${exit.reason}) ${context.during}; it was not started again: ${why}.${tail}\n`,
    );
    return;
  }
  out.write(
    `${SAYS} gnome-keyring-daemon died (${exit.reason}) ${context.during}; starting it again on the same bus, ` +
      `with the login keyring and its items (not the in-memory session collection).${tail}\n`,
  );
  exit.restarted?.then(
    () => out.write(`${SAYS} gnome-keyring-daemon is serving again.\n`),
    (error: unknown) =>
      out.write(
        `${SAYS} could not start gnome-keyring-daemon again (${error instanceof Error ? error.message : error}); ` +
          `${context.without}.\n`,
      ),
  );
}

/**
 * Passing signals on to a command this process runs (`headless -- COMMAND`, `user-secrets run -- COMMAND`), so that
 * the command decides how to end and this process reports its status.
 *
 * A command started by `spawn` shares this process's process group, and a terminal sends Ctrl-C's SIGINT (and a
 * hang-up's SIGHUP) to its whole foreground group: when this process is the terminal's foreground job and the command
 * is in its group, the command already has the signal, and passing it on would deliver it twice, which programs that
 * take a second Ctrl-C as "force quit" (npm, vitest, REPLs) obey. So SIGINT and SIGHUP are not passed on then, and are
 * in every other case: no terminal (CI, a supervisor, `kill`), a background job, a command in a group of its own.
 * SIGTERM is always passed on. The groups are read from /proc; where they cannot be, a terminal is assumed.
 * Left to the sender: `kill -INT` of this process alone while it is the terminal's foreground job does not reach the
 * command (send SIGTERM, or signal the command), and a signal sent to the whole group without a terminal
 * (`kill -- -PGID`, systemd's control-group kill) reaches the command twice.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** The signals a terminal sends to its whole foreground process group. */
const TERMINAL_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGHUP']);

/** Fields 5 and 8 of /proc/PID/stat: its process group, and its terminal's foreground group (-1 without one). */
function groups(pid: number | 'self'): { group: number; terminalGroup: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const group = Number(fields[2]);
    const terminalGroup = Number(fields[5]);
    return Number.isInteger(group) && Number.isInteger(terminalGroup) ? { group, terminalGroup } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a terminal's signal to its foreground group reached `child` along with this process. */
function terminalReachedChild(child: ChildProcess): boolean {
  const self = groups('self');
  if (!self) return true;
  if (self.terminalGroup !== self.group) return false; // no terminal, or a background job: sent to us alone
  const theirs = child.pid === undefined ? undefined : groups(child.pid);
  return theirs === undefined || theirs.group === self.group;
}

/**
 * Passes SIGINT, SIGTERM and SIGHUP received by this process on to `child` while it runs (SIGINT and SIGHUP not when
 * the terminal already sent them to it, see above); returns the function that stops listening. While listening,
 * those signals do not end this process: it ends when the command has.
 */
export function forwardSignals(child: ChildProcess): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (TERMINAL_SIGNALS.has(signal) && terminalReachedChild(child)) return;
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, handler);
  return () => {
    for (const signal of FORWARDED) process.off(signal, handler);
  };
}

/** The signals an executable ends by when its command died of one (a shell's Ctrl-C, a `kill`): see {@link endLike}. */
const ENDED_LIKE = new Set<NodeJS.Signals>(['SIGINT', 'SIGTERM', 'SIGHUP']);

/**
 * Ends this process by `signal` when its command died of it, once this process has cleaned up: bash stops a loop or a
 * script only when the job it waited for died of SIGINT, not when it exited with 130. Only for SIGINT, SIGTERM and
 * SIGHUP (not, say, SIGSEGV, whose core dump would be this process's). For executables only, never a library.
 */
export function endLike(signal: NodeJS.Signals): void {
  if (!ENDED_LIKE.has(signal)) return;
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

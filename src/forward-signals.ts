/**
 * Passing signals on to a command this process runs (`headless -- COMMAND`, `user-secrets run -- COMMAND`), so that
 * the command decides how to end and this process reports its status.
 *
 * A command started by `spawn` shares this process's process group, and a terminal sends Ctrl-C's SIGINT (and a
 * hang-up's SIGHUP) to the whole foreground group: the command already has it, and passing it on would deliver it
 * twice, which programs that take a second Ctrl-C as "force quit" (npm, vitest, REPLs) obey. So SIGINT and SIGHUP are
 * passed on only to a command that has moved to a group of its own, or when the same signal comes again (sent to this
 * process alone, with `kill`, the command did not get the first). SIGTERM, which is sent to one process, is always
 * passed on. Where the groups cannot be read (no /proc), the command is taken to share this process's group.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** The signals a terminal sends to its whole foreground process group. */
const GROUP_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGHUP']);

/** The process group of `pid` (field 5 of /proc/PID/stat), or undefined when it cannot be read. */
function processGroup(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const group = Number(fields[2]);
    return Number.isInteger(group) ? group : undefined;
  } catch {
    return undefined;
  }
}

function sharesOurGroup(child: ChildProcess): boolean {
  if (child.pid === undefined) return true;
  const theirs = processGroup(child.pid);
  return theirs === undefined || theirs === processGroup('self');
}

/**
 * Passes SIGINT, SIGTERM and SIGHUP received by this process on to `child` while it runs (see above for when SIGINT
 * and SIGHUP are not); returns the function that stops listening. While listening, those signals do not end this
 * process: it ends when the command has.
 */
export function forwardSignals(child: ChildProcess): () => void {
  const received = new Map<NodeJS.Signals, number>();
  const handler = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const count = (received.get(signal) ?? 0) + 1;
    received.set(signal, count);
    if (GROUP_SIGNALS.has(signal) && count === 1 && sharesOurGroup(child)) return; // the terminal sent it to both
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, handler);
  return () => {
    for (const signal of FORWARDED) process.off(signal, handler);
  };
}

/**
 * A watchdog for the daemons a process starts: a tiny `/bin/sh` in its own session that holds the read end of a pipe
 * from this process. When this process ends in any way, SIGKILL included, the kernel closes the pipe and the watchdog
 * terminates the processes and removes the directories it was told about. Node cannot ask the kernel for a
 * parent-death signal (prctl), and `setpriv --pdeathsig` is not on every system; a shell and a pipe are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

// Lines in: `pids P…` (the whole set, replacing the last), `dir PATH` (remove on cleanup), `disarm` (exit, touch
// nothing). At end of input: SIGTERM to the set, SIGKILL after 2 s to what is left, then remove the directories.
// It ignores the terminal's signals so that a Ctrl-C reaching the whole group cannot kill it before its parent.
const SCRIPT = `
trap '' INT TERM HUP QUIT
set -f
nl='
'
pids=
dirs=
while IFS= read -r line; do
  case $line in
    disarm) exit 0 ;;
    pids*) pids=\${line#pids} ;;
    'dir '*) dirs=$dirs\${line#dir }$nl ;;
  esac
done
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null
  tries=0
  while [ $tries -lt 20 ]; do
    alive=
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -z "$alive" ] && break
    sleep 0.1
    tries=$((tries + 1))
  done
  [ -n "$alive" ] && kill -KILL $alive 2>/dev/null
fi
IFS=$nl
for dir in $dirs; do rm -rf -- "$dir"; done
exit 0
`;

export interface Watchdog {
  /** Ends `child` (SIGTERM, then SIGKILL) if this process dies first; forgotten once the child exits. */
  guard(child: ChildProcess): void;
  /** Removes `path` (recursively) if this process dies first. */
  removeOnDeath(path: string): void;
  /** This process is cleaning up itself: the watchdog exits without touching anything. */
  disarm(): void;
}

/**
 * Starts the watchdog.
 * @throws Error when /bin/sh cannot be started.
 */
export async function startWatchdog(): Promise<Watchdog> {
  const shell = spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  await once(shell, 'spawn');
  // Neither the watchdog nor its pipe may keep this process alive: its whole point is to outlive it.
  shell.unref();
  const input = shell.stdin!;
  (input as unknown as { unref?: () => void }).unref?.();
  input.on('error', () => undefined);
  const guarded = new Set<ChildProcess>();
  let disarmed = false;
  const send = (line: string) => {
    if (!disarmed && input.writable) input.write(`${line}\n`);
  };
  const sendPids = () => send(`pids ${[...guarded].map((child) => child.pid).join(' ')}`);
  return {
    guard(child) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      guarded.add(child);
      child.once('exit', () => {
        guarded.delete(child);
        sendPids();
      });
      sendPids();
    },
    removeOnDeath(path) {
      if (/[\n\r]/.test(path)) throw new Error(`Cannot watch a path with a line break: ${JSON.stringify(path)}`);
      send(`dir ${path}`);
    },
    disarm() {
      send('disarm');
      disarmed = true;
      input.end();
    },
  };
}

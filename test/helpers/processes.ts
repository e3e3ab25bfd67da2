/** Process helpers for the headless tests: run the CLI from source, and see which processes are still alive. */
import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The executable npm installs (package.json `bin`), as built by `npm run build`. */
export const BUILT_CLI = `${REPO_ROOT}dist/bundle/cli/bin.js`;

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run the built executable instead of the TypeScript sources. */
  built?: boolean;
  /** Start it as the leader of a process group of its own (as a shell starts a job), to signal the whole group. */
  detached?: boolean;
}

/**
 * Kills `child` (SIGKILL) if it is still running when the current test ends, passed or failed: a test that fails or
 * times out must not leave a CLI behind (a headless CLI's watchdog then ends its daemons and command).
 */
export function killWhenTestEnds<C extends ChildProcess>(child: C): C {
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** `secretstorage …` from the TypeScript sources (no build needed), or from the build with `built`. */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  const entry = options.built ? [BUILT_CLI] : ['--import', 'tsx', 'src/cli/bin.ts'];
  return killWhenTestEnds(
    spawn(process.execPath, [...entry, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.detached,
    }),
  );
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a process's output until it exits. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the CLI to completion with `input` on stdin. */
export function runCliProcess(args: string[], options: CliOptions & { input?: string } = {}): Promise<Finished> {
  const child = spawnCli(args, options);
  child.stdin!.end(options.input ?? '');
  return finished(child);
}

/** Resolves with the stdout text seen so far once it matches `pattern`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        child.stdout!.off('data', onData);
        resolve(seen);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`exited (${signal ?? code}) before printing ${pattern}: ${seen}`)),
    );
  });
}

function stat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Alive: the process exists and is not a zombie (an orphan's zombie may linger where PID 1 does not reap). */
export function isAlive(pid: number): boolean {
  const text = stat(pid);
  return text !== undefined && !text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
}

/** The live children of `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => {
      const text = stat(candidate);
      return text !== undefined && Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    })
    .filter(isAlive);
}

/** The command line of a live process. */
export function commandLine(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
}

/** Polls until every pid has exited; resolves with those still alive when `limitMs` runs out. */
export async function waitUntilGone(pids: number[], limitMs = 20_000): Promise<number[]> {
  for (let waited = 0; ; waited += 50) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || waited >= limitMs) return alive;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `PID STATE COMMAND` of a process, for assertion messages about processes left behind. */
export function describeProcess(pid: number): string {
  const text = stat(pid);
  if (text === undefined) return `${pid} (gone)`;
  const state = text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  let command = '';
  try {
    command = commandLine(pid);
  } catch {
    // Exited meanwhile.
  }
  return `${pid} ${state} ${command}`;
}

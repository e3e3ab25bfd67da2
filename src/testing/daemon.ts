/**
 * Spawning a provider's daemon for the test helpers: its own session (a Ctrl-C meant for a command using it must not
 * reach it), the end of its output kept to explain a failure, and the reason it failed or exited once it has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NoBackendError } from '../errors.js';
import { missingProgramError } from './programs.js';

/** How much of a daemon's output is kept (its end), to tell why it failed or exited. */
const OUTPUT_KEPT_CHARS = 16_384;

export interface Daemon {
  process: ChildProcess;
  /** The end of what it wrote to stdout and stderr. */
  output(): string;
  /** Why it could not start or has exited, once it has; undefined while it runs. */
  failure(): string | undefined;
}

/** Starts `program`; stdin is a pipe, stdout and stderr are collected, `extraStdio` are passed as fds 3, 4, …. */
export function spawnDaemon(
  program: string,
  args: readonly string[],
  env: Record<string, string>,
  options: { onSpawn?: (child: ChildProcess) => void; extraStdio?: ('pipe' | number)[] } = {},
): Daemon {
  const child: ChildProcess = spawn(program, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['pipe', 'pipe', 'pipe', ...(options.extraStdio ?? [])],
    detached: true,
  });
  options.onSpawn?.(child);
  let output = '';
  let failure: string | undefined;
  const keep = (chunk: string) => {
    output += chunk;
    if (output.length > 2 * OUTPUT_KEPT_CHARS) output = output.slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  child.stdin!.on('error', () => undefined);
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = error.code === 'ENOENT' ? missingProgramError(program).message : error.message;
  });
  child.once('exit', (code, signal) => {
    failure ??= `${program} exited (${signal ?? `code ${code}`}): ${output.slice(-OUTPUT_KEPT_CHARS).trim()}`;
  });
  return { process: child, output: () => output.slice(-OUTPUT_KEPT_CHARS), failure: () => failure };
}

/**
 * Runs `program` to completion with `input` on stdin and resolves with its output.
 * @throws NoBackendError naming the package when it is missing, or with its output when it fails.
 */
export async function runProgram(
  program: string,
  args: readonly string[],
  env: Record<string, string>,
  input: string | Uint8Array,
): Promise<string> {
  const daemon = spawnDaemon(program, args, env);
  daemon.process.stdin!.end(input);
  const code = await new Promise<number | null>((resolve) => {
    daemon.process.once('error', () => resolve(null));
    daemon.process.once('close', (exitCode) => resolve(exitCode));
  });
  if (code === null) throw new NoBackendError(daemon.failure() ?? `${program} could not be started.`);
  if (code !== 0)
    throw new NoBackendError(`${program} ${args[0] ?? ''} failed (code ${code}): ${daemon.output().trim()}`);
  return daemon.output();
}

/** Polls `check` until it is true; throws when the process failed or the deadline passed. */
export async function waitUntil(
  deadline: number,
  failure: () => string | undefined,
  check: () => Promise<boolean>,
  timedOut: () => string,
): Promise<void> {
  for (;;) {
    if (await check()) return;
    const why = failure();
    if (why) throw new NoBackendError(why);
    if (Date.now() > deadline) throw new NoBackendError(timedOut());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A virtual X display (`Xvfb`) for the providers that are GUI programs (KWallet, KeePassXC): they need a display to
 * start, and their dialogs appear there, where a test can answer them (see ./dialogs.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { NoBackendError } from '../errors.js';
import { missingProgramError } from './programs.js';
import { stopProcess } from './private-bus.js';

export interface VirtualDisplay {
  /** The `DISPLAY` value, `:N`. */
  display: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts Xvfb on the first free display number (it picks it and reports it through `-displayfd`), local connections
 * only.
 * @throws NoBackendError naming the package when Xvfb is missing, or with its output when it exits before it is ready.
 */
export async function startXvfb(
  options: { onSpawn?: (child: ChildProcess) => void; startTimeoutMs?: number } = {},
): Promise<VirtualDisplay> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  options.onSpawn?.(child);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let output = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (output = (output + chunk).slice(-8192)));
  try {
    const number = await new Promise<string>((resolve, reject) => {
      let printed = '';
      const timer = setTimeout(
        () => reject(new NoBackendError(`Xvfb did not report a display within ${timeoutMs} ms: ${output.trim()}`)),
        timeoutMs,
      );
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(error.code === 'ENOENT' ? missingProgramError('Xvfb') : error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new NoBackendError(`Xvfb exited (${signal ?? `code ${code}`}) before it was ready: ${output.trim()}`));
      });
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('\n')) {
          clearTimeout(timer);
          resolve(printed.trim());
        }
      });
    });
    (child.stdio[3] as NodeJS.ReadableStream).resume();
    return { display: `:${number}`, process: child, stop: () => stopProcess(child) };
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}

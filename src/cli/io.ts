/** Input and output helpers shared by CLI commands: reading a secret without echo, and JSON output. */
import { nodeFs } from '../node-fs.js';
import { ReadStream } from 'node:tty';
import type { CliIO } from './command.js';
import { CliExit, UsageError } from './usage-error.js';
import { EXIT } from './exit-codes.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const all = Buffer.concat(chunks);
  for (const chunk of chunks) chunk.fill(0);
  return all;
}

/** Reads a line from the terminal with echo off (like getpass). Ctrl-C exits 130. */
async function promptNoEcho(prompt: string, io: CliIO): Promise<Buffer> {
  let fd: number;
  try {
    fd = nodeFs().openSync('/dev/tty', 'r');
  } catch {
    throw new UsageError(
      'No secret on stdin and no terminal to ask on: pipe the secret in (e.g. `printf %s "$TOKEN" | …`).',
    );
  }
  const tty = new ReadStream(fd);
  tty.setRawMode(true);
  io.stderr.write(prompt);
  const bytes: number[] = [];
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      tty.on('data', (chunk: Buffer) => {
        for (const byte of chunk) {
          if (byte === 3) return reject(new CliExit('Interrupted.', EXIT.interrupted));
          if (byte === 13 || byte === 10 || byte === 4) {
            const line = Buffer.from(bytes);
            bytes.fill(0);
            return resolve(line);
          }
          if (byte === 127 || byte === 8) {
            // A whole character: its UTF-8 continuation bytes (10xxxxxx), then the byte it starts with.
            while (bytes.length > 0 && (bytes[bytes.length - 1] & 0xc0) === 0x80) bytes.pop();
            bytes.pop();
          } else if (byte === 21) {
            bytes.fill(0); // Ctrl-U: the line so far, as a terminal's line editing erases it
            bytes.length = 0;
          } else bytes.push(byte);
        }
        chunk.fill(0);
      });
    });
  } finally {
    io.stderr.write('\n');
    tty.setRawMode(false);
    tty.destroy();
    try {
      nodeFs().closeSync(fd);
    } catch {
      // Already closed by destroy().
    }
  }
}

export interface ReadSecretOptions {
  /** Shown on the terminal when asking interactively. */
  prompt: string;
  /** Keep stdin byte for byte (secret-tool) instead of stripping one trailing newline (keyring). */
  raw?: boolean;
}

/**
 * The secret for a `set`-style command: all of stdin when it is not a terminal (one trailing newline stripped unless
 * `raw`), else a no-echo prompt on the terminal.
 */
export async function readSecret(io: CliIO, options: ReadSecretOptions): Promise<Buffer> {
  if (!io.stdin.isTTY) {
    const all = await readAll(io.stdin);
    if (options.raw) return all;
    let end = all.length;
    if (all[end - 1] === 0x0a) end--;
    if (end > 0 && all[end - 1] === 0x0d && end === all.length - 1) end--;
    const trimmed = Buffer.from(all.subarray(0, end));
    all.fill(0);
    return trimmed;
  }
  return promptNoEcho(options.prompt, io);
}

/** Writes one JSON document and a newline. */
export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Makes a closed pipe on `stream` (`secretstorage search | head -1`) no error of ours: what is written after the reader
 * went away is dropped and the command ends as it would have, instead of crashing with EPIPE. A command that must know
 * (headless --print-env) checks its write's callback.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/**
 * This process's own streams and environment as a CLI's, for an executable: `finish` then sets the exit code, and
 * ends this process by the signal that ended a command it ran, if one did (see forward-signals.ts, endLike).
 */
export function processIO(): { io: CliIO; finish(code: number): Promise<void> } {
  ignoreClosedPipe(process.stdout);
  let signalled: NodeJS.Signals | undefined;
  const io: CliIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    commandSignalled: (signal) => (signalled = signal),
  };
  return {
    io,
    async finish(code) {
      process.exitCode = code;
      if (signalled) (await import('../forward-signals.js')).endLike(signalled);
    },
  };
}

/** Runs the `secretstorage` CLI in-process, with `stdin` piped in (not a terminal) and stdout/stderr captured. */
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], env: NodeJS.ProcessEnv, stdin: string | Uint8Array = ''): Promise<CliRun> {
  const input = Object.assign(Readable.from(stdin.length ? [Buffer.from(stdin)] : []), { isTTY: false });
  const capture = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { stream: Object.assign(stream, { isTTY: false }), text: () => text };
  };
  const out = capture();
  const err = capture();
  const code = await runCli(args, { stdin: input, stdout: out.stream, stderr: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

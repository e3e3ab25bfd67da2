/**
 * Asking the Secret portal from a process of its own. The exchange needs a bus connection that accepts descriptors,
 * and Node aborts a process that receives one that is not a socket or a pipe (a libuv IPC pipe's read asserts on it),
 * which any other client on the bus can send, unasked: one message would end the application. Here it ends only the
 * child (portal-child.ts), and the caller gets a typed error. The secret comes back over the child's stdout, a pipe
 * only the two processes hold.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { discoverSessionBusAddress } from '../dbus/address.js';
import { unixFdPipes } from '../dbus/unix-fds.js';
import { PromptDismissedException, SecretStorageError, TimeoutException } from '../errors.js';
import { timerDelay } from '../timer-delay.js';
import type { PortalChildFailure } from './portal-child.js';
import { nodeFs } from '../node-fs.js';
import { PortalUnavailableError, retrievePortalSecretHere, type PortalSecretOptions } from './portal-secret.js';

/** How long past its own deadline the child is given before it is killed. */
const CHILD_GRACE_MS = 5_000;

/**
 * `node` and the child's entry: the `.js` beside this build, or the `.ts` source (through tsx) in the repository;
 * undefined when there is no such file (the library bundled into an application's own files by a bundler).
 */
function childCommand(): string[] | undefined {
  // In the CommonJS build `import.meta` is empty and `__filename` is this file; in ES modules only the first exists.
  // The CommonJS declarations are made with module CommonJS, where tsc refuses the syntax of `import.meta` itself.
  // eslint-disable-next-line @typescript-eslint/ban-ts-comment
  // @ts-ignore TS1343 under tsconfig.cjs.json only
  const moduleUrl: string = import.meta.url;
  const here = typeof __filename === 'string' ? pathToFileURL(__filename).href : moduleUrl;
  const source = here.endsWith('.ts');
  // By way of `../keyring-file/`: in dist/bundle and dist/cjs this code sits in chunks/, a sibling of keyring-file/.
  const entry = fileURLToPath(new URL(`../keyring-file/portal-child.${source ? 'ts' : 'js'}`, here));
  if (!nodeFs().existsSync(entry)) return undefined;
  return source ? ['--import', 'tsx', entry] : [entry];
}

/**
 * The application's master secret from the Secret portal (see retrievePortalSecretHere), asked by a child process.
 * @throws PortalUnavailableError when there is no session bus or no Secret portal on it; PromptDismissedException when
 *   the user cancelled; TimeoutException; SecretStorageError when the portal failed, sent other than 64 bytes, or the
 *   child ended otherwise (another client on the bus may have sent it what aborts Node).
 */
export async function retrievePortalSecret(options: PortalSecretOptions = {}): Promise<Uint8Array> {
  const address = options.address ?? discoverSessionBusAddress(options.env ?? process.env);
  if (!address) throw new PortalUnavailableError('There is no session bus, so no Secret portal to ask.');
  // Bun and Deno cannot pass a descriptor (nor would `process.execPath` run the child as Node does): no portal there.
  if (!unixFdPipes()) {
    throw new PortalUnavailableError(
      'The Secret portal cannot be asked from this runtime, which cannot pass file descriptors over D-Bus.',
    );
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const command = childCommand();
  // Bundled into an application, the library has no child script to run: it asks from this process, as it did
  // before, with the risk the module comment describes.
  if (!command) return retrievePortalSecretHere({ ...options, address, timeoutMs });
  const child = spawn(process.execPath, [...command, address, String(timeoutMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Nothing of this process's environment but what finding node and a cookie-authenticated bus need; in an Electron
    // application `process.execPath` is Electron, which runs the script as Node only when told to.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ELECTRON_RUN_AS_NODE: '1' },
  });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const killer = setTimeout(() => child.kill('SIGKILL'), timerDelay(timeoutMs + CHILD_GRACE_MS));
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    const output = Buffer.concat(chunks);
    for (const chunk of chunks) chunk.fill(0);
    if (code === 0) return new Uint8Array(output.buffer, output.byteOffset, output.length);
    const text = output.toString('utf8');
    output.fill(0);
    if (code === 2) throw failureError(JSON.parse(text) as PortalChildFailure);
    const how = signal ? `was ended by ${signal}` : `exited with ${code}`;
    throw new SecretStorageError(
      `The process that asks the Secret portal ${how}${signal === 'SIGABRT' ? ' (another program on the session bus may have sent it a file descriptor, which aborts Node)' : ''}; nothing was read or written.${stderr.trim() ? ` Its last words: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
    );
  } catch (error) {
    if (error instanceof SecretStorageError) throw error;
    throw new SecretStorageError(`The Secret portal could not be asked: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(killer);
  }
}

function failureError({ kind, message }: PortalChildFailure): Error {
  if (kind === 'unavailable') return new PortalUnavailableError(message);
  if (kind === 'dismissed') return new PromptDismissedException(message);
  if (kind === 'timeout') return new TimeoutException(message);
  return new SecretStorageError(message);
}

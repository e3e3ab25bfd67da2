/**
 * Reaching a bus: a socket for one transport of a D-Bus address (Unix path, abstract socket, TCP), connected and
 * authenticated within a deadline; the caller sends SASL's BEGIN with its first message.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { NoBackendError } from '../errors.js';
import { timerDelay } from '../timer-delay.js';
import type { Transport } from './address.js';
import { IncomingBytes } from './incoming.js';
import { authenticate } from './sasl.js';
import { connectUnixFdSocket } from './unix-fds.js';

function nodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

/** @throws NoBackendError for an abstract socket where Node cannot connect to one. */
function assertReachable(transport: Transport): void {
  if (transport.kind === 'unix-abstract' && nodeMajor() < 22) {
    throw new NoBackendError(
      `The bus address uses an abstract socket (unix:abstract=${transport.name}), which Node ${process.versions.node} ` +
        'cannot connect to: Node 22 or later is needed (libuv 1.48 fixed abstract sockets). Upgrade Node, or run ' +
        'the bus with a unix:path= address (dbus-daemon --address=unix:path=…).',
    );
  }
}

/**
 * The server's GUID, checked against the one the address names (libdbus disconnects when they differ: another
 * server now answers at that address, e.g. a socket path that a new bus has taken over).
 * @throws Error naming both.
 */
function checkGuid(transport: Transport, guid: string): void {
  if (transport.guid !== undefined && transport.guid.toLowerCase() !== guid.toLowerCase()) {
    throw new Error(
      `the server's GUID is ${guid}, not the guid=${transport.guid} of the address: another bus answers there ` +
        '(the address may be left over from an earlier session)',
    );
  }
}

function openSocket(transport: Transport, onread: IncomingBytes['onread']): Socket {
  assertReachable(transport);
  switch (transport.kind) {
    case 'unix-path':
      return netConnect({ path: transport.path, onread });
    case 'unix-abstract':
      return netConnect({ path: `\0${transport.name}`, onread });
    case 'tcp':
      return netConnect({
        host: transport.host,
        port: transport.port,
        onread,
        ...(transport.family ? { family: transport.family === 'ipv6' ? 6 : 4 } : {}),
      });
  }
}

/** The transport as an address, for messages. */
export function describeTransport(transport: Transport): string {
  switch (transport.kind) {
    case 'unix-path':
      return `unix:path=${transport.path}`;
    case 'unix-abstract':
      return `unix:abstract=${transport.name}`;
    case 'tcp':
      return `tcp:host=${transport.host},port=${transport.port}`;
  }
}

/**
 * An authenticated connection: its socket (for writing and its events) and its incoming bytes. BEGIN has not been
 * sent: the first write must start with `SASL_BEGIN` (see sasl.ts).
 */
export interface Connected {
  socket: Socket;
  incoming: IncomingBytes;
  /** The server's GUID, as it sent it with OK. */
  guid: string;
}

/**
 * Connects to `transport` and authenticates, all within `timeoutMs`; a server whose GUID is not the one the address
 * names is refused. Aborting `signal` gives up: the socket is closed.
 * @throws NoBackendError when the socket cannot be reached, closes, or authentication fails or takes too long; the
 *   signal's reason when it aborts.
 */
export function connectTransport(
  transport: Transport,
  options: { timeoutMs: number; authMethods?: string[]; unixFds?: boolean; signal?: AbortSignal },
): Promise<Connected> {
  if (options.unixFds) return connectUnixFdTransport(transport, options);
  const where = describeTransport(transport);
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Connected>((resolve, reject) => {
    const incoming = new IncomingBytes();
    const socket = openSocket(transport, incoming.onread);
    let settled = false;
    let guid = '';
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve({ socket, incoming, guid });
      }
    };
    const onError = (error: NodeJS.ErrnoException) =>
      finish(new NoBackendError(`cannot connect to ${where}: ${error.code ?? error.message}`, { cause: error }));
    const onClose = () => finish(new NoBackendError(`${where} closed the connection during the handshake.`));
    // Given up by the caller: the socket is closed at once, so that it does not keep the process alive.
    const onAbort = () => finish(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish(new NoBackendError(`${where} did not complete the D-Bus handshake within ${options.timeoutMs} ms.`)),
      timerDelay(options.timeoutMs),
    );
    timer.unref();
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      socket.setNoDelay?.(true);
      authenticate(socket, incoming, options.authMethods)
        .then((serverGuid) => {
          checkGuid(transport, serverGuid);
          guid = serverGuid;
        })
        .then(
          () => finish(),
          (error: Error) => finish(new NoBackendError(`${where} refused authentication: ${error.message}`)),
        );
    });
  });
}

/**
 * {@link connectTransport} for a connection that passes file descriptors: a Unix socket (a TCP bus cannot), opened as
 * an IPC pipe (see unix-fds.ts), with NEGOTIATE_UNIX_FD after authentication.
 * @throws NoBackendError when the transport is not a Unix socket, this runtime cannot pass descriptors, or the bus
 *   refuses them.
 */
async function connectUnixFdTransport(
  transport: Transport,
  options: { timeoutMs: number; authMethods?: string[] },
): Promise<Connected> {
  const where = describeTransport(transport);
  if (transport.kind === 'tcp') {
    throw new NoBackendError(`${where} is a TCP bus, which cannot pass file descriptors; a Unix socket is needed.`);
  }
  assertReachable(transport);
  const incoming = new IncomingBytes();
  const path = transport.kind === 'unix-path' ? transport.path : `\0${transport.name}`;
  let socket: Socket | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket?.destroy();
  }, timerDelay(options.timeoutMs));
  timer.unref();
  try {
    socket = await connectUnixFdSocket(path, incoming.onread);
    const closed = new Promise<never>((_, reject) =>
      socket!.once('close', () => reject(new Error('the bus closed the connection during the handshake'))),
    );
    closed.catch(() => undefined);
    const guid = await Promise.race([authenticate(socket, incoming, options.authMethods, { unixFds: true }), closed]);
    checkGuid(transport, guid);
    return { socket, incoming, guid };
  } catch (error) {
    socket?.destroy();
    if (timedOut) {
      throw new NoBackendError(`${where} did not complete the D-Bus handshake within ${options.timeoutMs} ms.`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new NoBackendError(`cannot open ${where} for passing file descriptors: ${code ?? (error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Passing file descriptors over a Unix socket (SCM_RIGHTS), for D-Bus's `h` type (the Secret portal's
 * `RetrieveSecret(h fd, …)`). Node's sockets send no ancillary data; libuv's IPC pipes do, one descriptor with a
 * write (`uv_write2`), and accept the descriptors that arrive with a read. Node opens such pipes only for a child's
 * IPC channel, so this module builds one itself from Node's `pipe_wrap` binding (reachable through
 * `process.binding`, present in Node 20 to 24) and wraps it in an ordinary `net.Socket`, which reads and writes as
 * any other. Other runtimes (Bun, Deno: Deno 2 imitates the binding, but the bus drops a connection that passes a
 * descriptor through it) get undefined from {@link unixFdPipes} and a clear error from the callers. The descriptors passed are those of other sockets (`net.Socket`): a socket pair made from a
 * listening socket in a private folder stands in for the pipe libsecret hands the portal.
 */
import { Socket } from 'node:net';

interface StreamHandle {
  readonly fd: number;
  writeLatin1String(request: object, text: string, sendHandle?: object): number;
  pendingHandle?: object | null;
}

interface PipeBinding {
  Pipe: new (type: number) => StreamHandle & {
    connect(request: object, path: string): number;
    close(callback?: () => void): void;
  };
  PipeConnectWrap: new () => { oncomplete?: (status: number) => void };
  constants: { IPC: number };
}

interface StreamBinding {
  WriteWrap: new () => { handle?: object; oncomplete?: (status: number) => void; async?: boolean };
}

let bindings: { pipe: PipeBinding; stream: StreamBinding } | null | undefined;

/** Node's pipe and stream bindings, or undefined where the runtime has none. */
export function unixFdPipes(): { pipe: PipeBinding; stream: StreamBinding } | undefined {
  if (bindings === undefined) {
    // Deno 2 imitates the pipe binding, but what it writes with a descriptor makes the bus drop the connection; Bun's
    // is no more Node's. Only Node's own is used.
    const versions = process.versions as NodeJS.ProcessVersions & { bun?: string; deno?: string };
    if (versions.bun !== undefined || versions.deno !== undefined) {
      bindings = null;
      return undefined;
    }
    try {
      const binding = (process as unknown as { binding(name: string): unknown }).binding;
      const pipe = binding('pipe_wrap') as PipeBinding;
      const stream = binding('stream_wrap') as StreamBinding;
      bindings = typeof pipe?.Pipe === 'function' && typeof stream?.WriteWrap === 'function' ? { pipe, stream } : null;
    } catch {
      bindings = null;
    }
  }
  return bindings ?? undefined;
}

function errnoError(status: number, what: string): NodeJS.ErrnoException {
  const code = (process as unknown as { binding(name: string): { errname?: (status: number) => string } })
    .binding('uv')
    .errname?.(status);
  return Object.assign(new Error(`${what} failed (${code ?? status})`), { code, errno: status });
}

/**
 * Connects an IPC-capable socket to the Unix socket at `path` (`\0name` for an abstract one).
 * @throws Error (code ENOSYS) when this runtime cannot pass descriptors; the connection's errno otherwise.
 */
export function connectUnixFdSocket(
  path: string,
  onread: { buffer: Buffer; callback(length: number, buffer: Buffer): boolean },
): Promise<Socket> {
  const pipes = unixFdPipes();
  if (!pipes) {
    return Promise.reject(
      Object.assign(new Error('this JavaScript runtime cannot pass file descriptors (no libuv IPC pipes)'), {
        code: 'ENOSYS',
      }),
    );
  }
  const handle = new pipes.pipe.Pipe(pipes.pipe.constants.IPC);
  return new Promise((resolve, reject) => {
    const request = new pipes.pipe.PipeConnectWrap();
    request.oncomplete = (status) => {
      if (status < 0) {
        handle.close();
        reject(errnoError(status, `connecting to ${path}`));
        return;
      }
      resolve(
        new Socket({ handle, readable: true, writable: true, onread } as unknown as ConstructorParameters<
          typeof Socket
        >[0]),
      );
    };
    const status = handle.connect(request, path);
    if (status < 0) {
      handle.close();
      reject(errnoError(status, `connecting to ${path}`));
    }
  });
}

/**
 * Writes `bytes` with the descriptor of `passed` attached (in the same `sendmsg`), once the socket's own queue is
 * empty so that the bytes keep their place in the stream. Resolves when the kernel has them; the caller may then
 * close `passed` (the receiver holds its own copy).
 * @throws the write's errno error.
 */
export async function writeWithUnixFd(socket: Socket, bytes: Buffer, passed: Socket): Promise<void> {
  const pipes = unixFdPipes();
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  const sendHandle = (passed as unknown as { _handle?: object })._handle;
  if (!pipes || !handle || !sendHandle) throw new Error('the socket cannot pass file descriptors');
  // Polled, not awaited as 'drain' (emitted only after a write that filled the buffer): nothing queued goes after.
  while (socket.writableLength > 0) await new Promise((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve, reject) => {
    const request = new pipes.stream.WriteWrap();
    request.handle = handle;
    request.oncomplete = (status) => (status < 0 ? reject(errnoError(status, 'sending a file descriptor')) : resolve());
    request.async = false;
    const status = handle.writeLatin1String(request, bytes.toString('latin1'), sendHandle);
    if (status < 0) reject(errnoError(status, 'sending a file descriptor'));
    else if (!request.async) resolve();
  });
}

/**
 * The descriptor that arrived with the last read on `socket`, as a socket (descriptors of sockets and pipes only),
 * or undefined; each is handed out once.
 */
export function takeReceivedUnixFd(socket: Socket): Socket | undefined {
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  const pending = handle?.pendingHandle;
  if (!handle || !pending) return undefined;
  handle.pendingHandle = null;
  return new Socket({ handle: pending, readable: true, writable: true } as unknown as ConstructorParameters<
    typeof Socket
  >[0]);
}

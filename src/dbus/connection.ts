/**
 * One connection to a message bus: pipelined method calls, whose answers it checks come from the peer each call went
 * to, signal delivery, and the few calls a service needs (replies, signals). Every pending call is settled when the
 * connection ends, so nothing waits forever. Reaching the bus is `transport.ts`; cutting the stream into messages,
 * `framing.ts`; the calls waiting for answers (flow control, deadlines), `pending-calls.ts`; match rules, signal
 * listeners and name owners, `subscriptions.ts`.
 */
import type { Socket } from 'node:net';
import { ConnectionClosedError, InvalidArgumentError, NoBackendError, ProtocolError } from '../errors.js';
import { parseAddress, type Transport } from './address.js';
import { DBusMethodError, type CallOptions, type MethodCall, type Reply } from './call.js';
import { assertRequiredFields, decodeHeader, encodeMessage, tryDecodeBody, type DecodedHeader } from './codec.js';
import { UnsendableValueError } from './writer.js';
import { MAX_MESSAGE_BYTES, readFrames, type BodyTaker, type FrameStats } from './framing.js';
import { MessageType, NO_REPLY_EXPECTED, type IncomingMessage } from './message.js';
import type { OwnerChangeListener } from './name-owners.js';
import { PendingCalls, type PendingCall } from './pending-calls.js';
import { SASL_BEGIN } from './sasl.js';
import { BUS_NAME, BUS_PATH, isUniqueName } from './names.js';
import type { SignalFilter } from './signal-filter.js';
import { Subscriptions, type SignalListener } from './subscriptions.js';
import { connectTransport, describeTransport } from './transport.js';
import { takeReceivedUnixFd, writeWithUnixFd } from './unix-fds.js';

export { DBusMethodError, type CallOptions, type MethodCall, type Reply } from './call.js';
export type { SignalFilter } from './signal-filter.js';
export type { SignalListener } from './subscriptions.js';

/** The spec's upper bound on a whole message (2^27 bytes). */
export { MAX_MESSAGE_BYTES } from './framing.js';

/** Handles an incoming method call; returns true when it took the call (and will reply). */
export type MethodHandler = (message: IncomingMessage) => boolean;

export interface OpenOptions {
  /** Milliseconds allowed for connecting, authenticating and `Hello`. */
  timeoutMs?: number;
  /** SASL mechanisms, in order (default EXTERNAL, DBUS_COOKIE_SHA1, ANONYMOUS). */
  authMethods?: string[];
  /** Aborting it while connecting gives up: the socket is closed and `open` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Largest message accepted from the bus (default and maximum: the spec's 128 MiB). */
  maxMessageBytes?: number;
  /**
   * Calls written to the bus but not yet answered, at most (default 128, the system bus's per-connection limit of
   * pending replies). Further calls wait their turn in order, so a burst never hits the bus's LimitsExceeded.
   */
  maxInFlightCalls?: number;
  /** Gets a line for each message dropped as forged or unwanted (never a body, so never a secret). */
  log?: (line: string) => void;
  /**
   * Pass file descriptors (D-Bus `h`): a Unix socket only, opened as an IPC pipe (see unix-fds.ts). Needed for
   * {@link DBusConnection.callWithUnixFd} and to receive descriptors with incoming messages (one per message).
   */
  unixFds?: boolean;
}

const CLOSED_BY_CALLER = new ConnectionClosedError(
  'The D-Bus connection was closed by close(); open a new one with dbusInit().',
);

export class DBusConnection {
  /** This connection's unique bus name (`:1.42`). */
  readonly uniqueName: string;
  /** The bus's GUID, as it sent it when authentication succeeded (libdbus's `dbus_connection_get_server_id`). */
  readonly serverId: string = '';
  private serial = 1;
  private readonly pending: PendingCalls;
  private readonly subscriptions: Subscriptions;
  /** What the frame reader has read and skipped so far (for tests and diagnostics). */
  readonly wireStats: FrameStats = { messages: 0, bodyBytesRead: 0, bytesSkipped: 0, largestBuffer: 0 };
  private readonly methodHandlers = new Set<MethodHandler>();
  private readonly closeListeners = new Set<(error?: Error) => void>();
  private closedWith?: Error;
  private framesThisTick = 0;
  /** Bytes that go out in front of the next frame: SASL's BEGIN, sent with Hello in one write. */
  private preamble?: Buffer;
  /** The bus agreed to pass file descriptors on this connection. */
  private unixFds = false;

  private constructor(
    private readonly socket: Socket,
    maxInFlight: number,
    private readonly log?: (line: string) => void,
  ) {
    this.uniqueName = '';
    this.pending = new PendingCalls(maxInFlight, (call) => this.transmit(call));
    this.subscriptions = new Subscriptions({
      call: (call, options, see) => this.callAndSee(call, options, see),
      send: (call) => this.send(call),
      isClosed: () => this.closed,
      failCallsTo: (record, error) => this.pending.failWhere((call) => call.owners?.record === record, error),
      log,
    });
  }

  /**
   * Connects to the first reachable server of `address`, authenticates and says `Hello`.
   * @throws NoBackendError when no transport of the address can be reached or authentication fails.
   */
  static async open(address: string, options: OpenOptions = {}): Promise<DBusConnection> {
    let transports: Transport[];
    try {
      transports = parseAddress(address);
    } catch (error) {
      throw new NoBackendError(`The D-Bus address "${address}" is not usable: ${(error as Error).message}.`);
    }
    const failures: string[] = [];
    for (const transport of transports) {
      try {
        return await DBusConnection.openTransport(transport, options);
      } catch (error) {
        if (options.signal?.aborted && error === options.signal.reason) throw error;
        if (error instanceof NoBackendError && transports.length === 1) throw error;
        failures.push(`${describeTransport(transport)}: ${(error as Error).message}`);
      }
    }
    throw new NoBackendError(`Could not connect to the D-Bus session bus (${failures.join('; ')}).`);
  }

  private static async openTransport(transport: Transport, options: OpenOptions): Promise<DBusConnection> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const { socket, incoming, guid } = await connectTransport(transport, {
      timeoutMs,
      authMethods: options.authMethods,
      unixFds: options.unixFds,
      signal: options.signal,
    });
    const connection = new DBusConnection(socket, Math.max(1, options.maxInFlightCalls ?? 128), options.log);
    connection.unixFds = options.unixFds ?? false;
    (connection as { serverId: string }).serverId = guid;
    connection.preamble = Buffer.from(SASL_BEGIN, 'latin1');
    connection.watchSocket();
    readFrames(incoming, options.maxMessageBytes ?? MAX_MESSAGE_BYTES, {
      onHeader: (fixedHeader, fields, oversize) =>
        oversize === undefined
          ? connection.dispatch(fixedHeader, fields)
          : connection.refuseOversize(fixedHeader, fields, oversize, options.maxMessageBytes ?? MAX_MESSAGE_BYTES),
      onFatal: (error) => connection.shutdown(error),
      stopped: () => connection.closed,
      stats: connection.wireStats,
    });
    try {
      const reply = await connection.call(
        { destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'Hello' },
        { timeoutMs, replySignature: 's', signal: options.signal },
      );
      (connection as { uniqueName: string }).uniqueName = reply.body[0] as string;
      return connection;
    } catch (error) {
      await connection.close();
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      throw new NoBackendError(`${describeTransport(transport)} rejected Hello: ${(error as Error).message}`);
    }
  }

  /** True once `close()` was called or the bus went away. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** How many match rules this connection holds on the bus (for leak checks). */
  get matchRuleCount(): number {
    return this.subscriptions.matchRuleCount;
  }

  /** How many method calls are waiting for a reply. */
  get pendingCallCount(): number {
    return this.pending.size;
  }

  /** Lets the process exit while this connection is open (as `net.Socket.unref()`); `ref()` undoes it. */
  unref(): void {
    this.socket.unref();
  }

  /** Keeps the process alive while this connection is open again (the default). */
  ref(): void {
    this.socket.ref();
  }

  private watchSocket(): void {
    this.socket.on('error', (error: NodeJS.ErrnoException) =>
      this.shutdown(new ConnectionClosedError(`The D-Bus connection failed (${error.code ?? error.message}).`)),
    );
    this.socket.on('close', () =>
      this.shutdown(
        new ConnectionClosedError('The D-Bus session bus closed the connection; open a new one with dbusInit().'),
      ),
    );
  }

  /**
   * Decides on a message's header alone what becomes of it; returns the function that takes its body when someone
   * wants it, or undefined to have the body skipped unread (see framing.ts).
   */
  private dispatch(fixedHeader: Buffer, fields: Buffer | undefined): BodyTaker | undefined {
    if (!fields) {
      this.log?.('dropped a message with over 64 KiB of header fields, unread');
      if (this.unixFds) takeReceivedUnixFd(this.socket)?.destroy();
      return undefined;
    }
    let header: DecodedHeader;
    try {
      header = decodeHeader(fixedHeader, fields);
      assertRequiredFields(header.message);
    } catch (error) {
      // The frame length was sound, so the stream stays in sync: drop only this message (and any descriptor with it).
      this.log?.(`dropped a message with a malformed header (${(error as Error).message})`);
      if (this.unixFds) takeReceivedUnixFd(this.socket)?.destroy();
      return undefined;
    }
    const taker = this.dispatchHeader(header);
    if (header.message.fds && !taker) for (const fd of header.message.fds) fd.destroy(); // unwanted: not kept open
    return taker;
  }

  /**
   * A message larger than this connection's `maxMessageBytes`, skipped unread: a reply to one of its calls (from the
   * peer the call went to) fails that call; anything else, which any peer may send, is dropped and the connection
   * goes on.
   */
  private refuseOversize(fixedHeader: Buffer, fields: Buffer | undefined, length: number, limit: number): undefined {
    let header: DecodedHeader | undefined;
    try {
      if (fields) header = decodeHeader(fixedHeader, fields);
    } catch {
      header = undefined;
    }
    const message = header?.message;
    // Its descriptor, if it came with one (as for any message dropped unread), is not kept open.
    if (this.unixFds && (!message || message.unixFds !== undefined)) takeReceivedUnixFd(this.socket)?.destroy();
    const isReply = message?.type === MessageType.MethodReturn || message?.type === MessageType.Error;
    const call = isReply ? this.answeredCall(message) : undefined;
    if (call) {
      this.pending.settle(call);
      call.reject(
        new ProtocolError(
          `The reply to ${call.what} is ${length} bytes, above this connection's maxMessageBytes (${limit}); it ` +
            'was not read.',
        ),
      );
      return undefined;
    }
    this.log?.(`dropped a ${length}-byte message from ${message?.sender ?? 'an unknown sender'}, above ${limit}`);
    return undefined;
  }

  private dispatchHeader(header: DecodedHeader): BodyTaker | undefined {
    const { message } = header;
    if (message.unixFds !== undefined && this.unixFds) {
      // libuv accepts one descriptor per read, set on the handle before the read is handed over: this message's.
      const fd = takeReceivedUnixFd(this.socket);
      if (fd) message.fds = [fd];
    }
    switch (message.type) {
      case MessageType.MethodReturn:
      case MessageType.Error:
        return this.dispatchReply(header);
      case MessageType.Signal:
        return this.subscriptions.dispatch(header);
      case MessageType.MethodCall:
        return this.dispatchMethodCall(header);
      default:
        return undefined; // the spec: unknown message types are ignored
    }
  }

  /**
   * The pending call a reply or error answers, when its sender may answer it. A forged one (any client can send a reply
   * with a guessed serial) neither answers nor fails the call: it is logged and dropped.
   */
  private answeredCall(message: IncomingMessage): PendingCall | undefined {
    const call = message.replySerial === undefined ? undefined : this.pending.get(message.replySerial);
    if (!call || call.encoded) return undefined;
    if (!this.mayAnswer(call, message.sender)) {
      this.log?.(`dropped a reply to ${call.what} from ${message.sender ?? 'no sender'}, which the call did not go to`);
      return undefined;
    }
    return call;
  }

  private dispatchReply(header: DecodedHeader): BodyTaker | undefined {
    const { message } = header;
    const call = this.answeredCall(message);
    if (!call) return undefined;
    return (body) => {
      if (this.pending.get(call.serial) !== call) return; // timed out or aborted while the body arrived
      this.pending.settle(call);
      const bodyError = tryDecodeBody(header, body);
      if (bodyError !== undefined) {
        call.reject(new ProtocolError(`The reply to ${call.what} could not be decoded (${bodyError.message}).`));
      } else if (message.type === MessageType.Error) {
        const text = typeof message.body[0] === 'string' ? message.body[0] : '';
        call.reject(new DBusMethodError(message.errorName ?? 'org.freedesktop.DBus.Error.Failed', text));
      } else if (call.options.replySignature !== undefined && message.signature !== call.options.replySignature) {
        call.reject(
          new ProtocolError(
            `The reply to ${call.what} has signature "${message.signature}" where "${call.options.replySignature}" ` +
              'was expected; the service does not follow the Secret Service spec.',
          ),
        );
      } else {
        call.resolve({ signature: message.signature, body: message.body, sender: message.sender });
      }
    };
  }

  /**
   * Whether `sender` may answer `call`: the bus always may (its errors: no such service, the service left without
   * replying); otherwise only the peer the call went to, which for a well-known name is whoever owned it since the
   * call was sent, as the bus reported it.
   */
  private mayAnswer(call: PendingCall, sender: string | undefined): boolean {
    if (sender === undefined) return false;
    if (sender === BUS_NAME || sender === call.answerer) return true;
    return call.owners !== undefined && call.owners.record.ownedSince(call.owners.since, sender);
  }

  private dispatchMethodCall(header: DecodedHeader): BodyTaker | undefined {
    const { message } = header;
    const unknownMethod = () => {
      if (!(message.flags & NO_REPLY_EXPECTED)) {
        this.replyError(message, 'org.freedesktop.DBus.Error.UnknownMethod', `No such method ${message.member}`);
      }
    };
    // A client serves no methods: the call is refused without reading its body.
    if (this.methodHandlers.size === 0) {
      unknownMethod();
      return undefined;
    }
    return (body) => {
      if (tryDecodeBody(header, body) !== undefined) {
        if (!(message.flags & NO_REPLY_EXPECTED)) {
          this.replyError(message, 'org.freedesktop.DBus.Error.InvalidArgs', 'The message body is malformed.');
        }
        return;
      }
      for (const handler of this.methodHandlers) {
        try {
          if (handler(message)) return;
        } catch (error) {
          this.replyError(
            message,
            'org.freedesktop.DBus.Error.Failed',
            `The service failed: ${(error as Error).message}`,
          );
          return;
        }
      }
      unknownMethod();
    };
  }

  private write(fields: Parameters<typeof encodeMessage>[0]): void {
    this.writeFrame(encodeMessage(fields));
  }

  /**
   * Writes bytes to the socket. The first frame of a tick goes out at once (a lone call pays nothing); further frames
   * in the same tick are corked and leave together, so a burst of calls reaches the bus (and the service behind it)
   * as a few large reads instead of one system call per message.
   */
  private writeFrame(frame: Buffer): void {
    if (this.framesThisTick === 0) {
      process.nextTick(() => {
        if (this.framesThisTick > 1) this.socket.uncork();
        this.framesThisTick = 0;
      });
    } else if (this.framesThisTick === 1) {
      this.socket.cork();
    }
    this.framesThisTick++;
    const preamble = this.preamble;
    this.preamble = undefined;
    const bytes = preamble ? Buffer.concat([preamble, frame]) : frame;
    if (bytes !== frame) frame.fill(0); // copied into bytes
    // Zeroed once the kernel has them, so that a message (a secret in a plain session) does not stay in memory.
    this.socket.write(bytes, () => bytes.fill(0));
  }

  /**
   * Calls a method and resolves with its reply. Calls are pipelined: many can be in flight at once.
   * @throws DBusMethodError for an error reply, TimeoutException when `timeoutMs` passes, ProtocolError for a reply
   *   of the wrong signature, ConnectionClosedError when the connection is (or becomes) closed, InvalidArgumentError
   *   for a value D-Bus cannot carry (nothing is sent), and the signal's reason when `signal` aborts.
   */
  call(call: MethodCall, options: CallOptions = {}): Promise<Reply> {
    return this.callAndSee(call, options);
  }

  /**
   * {@link call} with the descriptor of `fd` attached, as the `h` value 0 of the body. `fd` can be closed once the
   * promise settles (the receiver has its own copy).
   * @throws as {@link call}; NoBackendError when the connection was not opened with `unixFds`.
   */
  callWithUnixFd(call: MethodCall, fd: Socket, options: CallOptions = {}): Promise<Reply> {
    if (!this.unixFds) {
      return Promise.reject(
        new NoBackendError('This D-Bus connection cannot pass file descriptors; open it with { unixFds: true }.'),
      );
    }
    return this.callAndSee(call, options, undefined, fd);
  }

  /**
   * {@link call}, with `see` run on a successful reply as soon as it is read, before any later message of the same
   * read is dispatched (a promise's reactions would run only after all of them).
   */
  private callAndSee(
    call: MethodCall,
    options: CallOptions,
    see?: (reply: Reply) => void,
    fd?: Socket,
  ): Promise<Reply> {
    const what = options.describe ?? `${call.interface ?? ''}.${call.member}`;
    if (this.closedWith) return Promise.reject(this.closedError());
    const serial = this.serial++;
    let encoded: Buffer;
    try {
      encoded = encodeMessage({
        type: MessageType.MethodCall,
        serial,
        destination: call.destination,
        path: call.path,
        interface: call.interface,
        member: call.member,
        signature: call.signature,
        body: call.body,
        ...(fd ? { unixFds: 1 } : {}),
      });
    } catch (error) {
      // Nothing was sent. A value D-Bus cannot carry is the caller's (the bus would disconnect us for it); a value of
      // the wrong type for the signature is a bug on this side of the bus.
      return Promise.reject(
        error instanceof UnsendableValueError
          ? new InvalidArgumentError(what, `cannot be sent over D-Bus: ${error.message}. Nothing was sent.`)
          : new ProtocolError(`Could not encode ${what}: ${(error as Error).message}`),
      );
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const answerer = call.destination ?? BUS_NAME;
    let owners: PendingCall['owners'];
    if (answerer !== BUS_NAME && !isUniqueName(answerer)) {
      const record = this.subscriptions.watchName(answerer);
      owners = { record, since: record.position() };
    }
    return new Promise<Reply>((resolve, reject) => {
      const pending: PendingCall = {
        serial,
        encoded,
        fd,
        answerer,
        owners,
        resolve: see
          ? (reply) => {
              try {
                see(reply);
              } catch (error) {
                reject(error as Error);
                return;
              }
              resolve(reply);
            }
          : resolve,
        reject,
        options,
        what,
      };
      if (signal) {
        pending.onAbort = () => {
          this.pending.settle(pending);
          reject(signal.reason);
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.pending.add(pending);
    });
  }

  /** Writes a call when the pending calls let it out (see pending-calls.ts). */
  private transmit(pending: PendingCall): void {
    const { encoded, fd } = pending;
    pending.encoded = undefined;
    pending.fd = undefined;
    if (!fd) return this.writeFrame(encoded!);
    writeWithUnixFd(this.socket, encoded!, fd).then(
      () => encoded!.fill(0),
      (error: Error) => {
        encoded!.fill(0);
        this.pending.settle(pending);
        pending.reject(new ConnectionClosedError(`Could not send ${pending.what}: ${error.message}`));
      },
    );
  }

  /** Sends a method call without waiting for (or wanting) a reply. */
  send(call: MethodCall): void {
    if (this.closedWith) throw this.closedError();
    this.write({ type: MessageType.MethodCall, serial: this.serial++, flags: NO_REPLY_EXPECTED, ...call });
  }

  /** Adds a match rule on the bus, once per distinct rule however many times it is added. */
  addMatch(rule: string): Promise<void> {
    return this.subscriptions.addMatch(rule);
  }

  /** Releases one reference to a match rule, sending `RemoveMatch` when it was the last. */
  async removeMatch(rule: string): Promise<void> {
    this.subscriptions.removeMatch(rule);
  }

  /**
   * Calls `listener` for every signal that `filter` matches and that comes from the sender it names (see
   * {@link SignalFilter.sender}); returns the function that stops it. Signals no listener wants are not decoded. The
   * bus delivers only what a match rule asks for: see signal-filter.ts's `matchRule` and {@link addMatch}.
   * @throws InvalidArgumentError when the filter's sender is not a bus name.
   */
  onSignal(filter: SignalFilter, listener: SignalListener): () => void {
    return this.subscriptions.onSignal(filter, listener);
  }

  /**
   * The unique name that owns `name` now, as the bus says ('' when nobody does); kept current by the bus's
   * `NameOwnerChanged` signals, never by anything another client sends.
   * @throws the bus's error when the owner cannot be looked up; ConnectionClosedError when the connection closes.
   */
  nameOwner(name: string): Promise<string> {
    return this.subscriptions.nameOwner(name);
  }

  /**
   * Calls `listener(oldOwner, newOwner)` when the bus says the owner of the well-known `name` changed ('' for none);
   * returns the function that stops it. Await {@link nameOwner} to be sure the bus's match rule is in place.
   */
  onNameOwnerChanged(name: string, listener: OwnerChangeListener): () => void {
    return this.subscriptions.onNameOwnerChanged(name, listener);
  }

  /** Calls `listener` once when the connection ends (or has ended), with the reason (none for `close()`). */
  onClose(listener: (error?: Error) => void): () => void {
    const reason = this.closedWith;
    if (reason) {
      // Already ended (possibly while open() resolved): the listener still hears why, once.
      queueMicrotask(() => listener(reason === CLOSED_BY_CALLER ? undefined : reason));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Lets `handler` answer incoming method calls (used by services such as the mock Secret Service). */
  onMethodCall(handler: MethodHandler): () => void {
    this.methodHandlers.add(handler);
    return () => this.methodHandlers.delete(handler);
  }

  /** Asks the bus for a well-known name; resolves with the RequestName reply code (1 = primary owner). */
  async requestName(name: string, flags = 0): Promise<number> {
    const reply = await this.call(
      {
        destination: BUS_NAME,
        path: BUS_PATH,
        interface: BUS_NAME,
        member: 'RequestName',
        signature: 'su',
        body: [name, flags],
      },
      { replySignature: 'u' },
    );
    return reply.body[0] as number;
  }

  /** Replies to a method call received by `onMethodCall`. */
  reply(to: IncomingMessage, signature = '', body: unknown[] = []): void {
    if (this.closedWith || to.flags & NO_REPLY_EXPECTED) return;
    this.write({
      type: MessageType.MethodReturn,
      serial: this.serial++,
      replySerial: to.serial,
      destination: to.sender,
      signature,
      body,
    });
  }

  /** Replies to a method call with a D-Bus error. */
  replyError(to: IncomingMessage, errorName: string, text: string): void {
    if (this.closedWith || to.flags & NO_REPLY_EXPECTED) return;
    this.write({
      type: MessageType.Error,
      serial: this.serial++,
      replySerial: to.serial,
      destination: to.sender,
      errorName,
      signature: 's',
      body: [text],
    });
  }

  /** Emits a signal, broadcast or (with `destination`) unicast. */
  emitSignal(
    path: string,
    iface: string,
    member: string,
    signature = '',
    body: unknown[] = [],
    destination?: string,
  ): void {
    if (this.closedWith) return;
    this.write({
      type: MessageType.Signal,
      serial: this.serial++,
      path,
      interface: iface,
      member,
      signature,
      body,
      destination,
    });
  }

  private closedError(): Error {
    return new ConnectionClosedError(this.closedWith?.message ?? 'The D-Bus connection is closed.');
  }

  private shutdown(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.pending.failAll(
      (call) => new ConnectionClosedError(`${call.what} failed: ${reason.message}`, { cause: reason }),
    );
    this.subscriptions.clear();
    this.methodHandlers.clear();
    if (!this.socket.destroyed) this.socket.destroy();
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener(reason === CLOSED_BY_CALLER ? undefined : reason);
  }

  /**
   * Closes the connection; pending calls fail with ConnectionClosedError and no handle keeps the process alive.
   * Messages already sent (signals, `send`, a session's Close) still leave, even those corked in this very tick.
   */
  async close(): Promise<void> {
    // uncork() hands the corked frames to the socket, which writes them out before destroy() closes it.
    if (!this.closedWith && this.socket.writableCorked > 0) this.socket.uncork();
    this.shutdown(CLOSED_BY_CALLER);
    if (!this.socket.closed) await new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
  }
}

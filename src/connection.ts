/**
 * The Connection users hold (made by `dbusInit()`, dbus-init.ts): one bus connection, one transfer session (opened
 * lazily, shared by every Collection and Item, reopened when the service restarts), and typed calls with deadlines.
 */
import { variant, isVariant } from './dbus/codec.js';
import { DBusConnection, DBusMethodError } from './dbus/connection.js';
import {
  DBUS_NAME,
  DBUS_PATH,
  NO_SERVICE_ERRORS,
  NO_SESSION_ERROR,
  PROPERTIES_IFACE,
  QT_INVALID_OBJECT_PATH_ERROR,
  SERVICE_IFACE,
  SERVICE_PATH,
} from './defines.js';
import type { DebugLog } from './debug-log.js';
import { mapCallError } from './error-mapping.js';
import { ProtocolError, SecretStorageError, TimeoutException } from './errors.js';
import { FirstContact } from './first-contact.js';
import type { ServiceCallOptions, ServiceCaller } from './service-caller.js';
import { SecretReads } from './secret-reads.js';
import { closeSession, openSession, type EncryptionMode, type Session } from './session.js';

const NAME_HAS_NO_OWNER = 'org.freedesktop.DBus.Error.NameHasNoOwner';
/** How many departed owners of the service a connection remembers, to tell a stale session from a current one. */
/**
 * Methods that change nothing the service holds: a read waiting to be merged may leave after them. Any other call
 * (writes, deletes, locks, prompts, a session's Close) first sends the reads waiting.
 */
const READ_ONLY_MEMBERS = new Set([
  'GetSecrets',
  'GetSecret',
  'SearchItems',
  'ReadAlias',
  'OpenSession',
  'Get',
  'GetAll',
  'Introspect',
  'Ping',
]);

const REMEMBERED_OWNERS = 8;
/** How many times a session is opened again because the service changed owner while it was being opened. */
const SESSION_REOPENINGS = 2;

/** What {@link dbusInit} settled from its options and the environment. */
export interface ConnectionSettings {
  serviceName: string;
  encryption: EncryptionMode;
  callTimeoutMs: number;
  promptTimeoutMs?: number;
  log?: DebugLog;
}

export class Connection implements ServiceCaller, AsyncDisposable {
  readonly serviceName: string;
  readonly encryption: EncryptionMode;
  readonly callTimeoutMs: number;
  readonly promptTimeoutMs: number | undefined;
  /** @internal */ readonly log?: DebugLog;
  /** @internal Every Item.getSecret goes through it, so that concurrent reads are merged. */
  readonly secretReads = new SecretReads(this);
  private sessionPromise?: Promise<Session>;
  /** The session `sessionPromise` resolved with, once it has. */
  private openedSession?: Session;
  /** Owners of the service that left while this connection was open (the last few), and how many left in all. */
  private readonly departedOwners: string[] = [];
  private departures = 0;
  private watchingOwner?: Promise<void>;
  private readonly firstContact = new FirstContact(() => this.sendFirstCall());
  private stopWatching?: () => void;

  /** @internal Use {@link dbusInit}. */
  constructor(
    /** @internal */ readonly bus: DBusConnection,
    options: ConnectionSettings,
  ) {
    this.log = options.log;
    this.serviceName = options.serviceName;
    this.encryption = options.encryption;
    this.callTimeoutMs = options.callTimeoutMs;
    this.promptTimeoutMs = options.promptTimeoutMs;
  }

  /** True once `close()` was called or the bus went away. */
  get closed(): boolean {
    return this.bus.closed;
  }

  /**
   * Lets the process exit while this connection is open, as `net.Socket.unref()` does: for a connection kept for
   * the life of the process. A call still waiting for its reply then does not keep the process alive either, so
   * `ref()` it again around work that must finish.
   */
  unref(): void {
    this.bus.unref();
  }

  /** Undoes {@link unref}: the open connection keeps the process alive again (the default). */
  ref(): void {
    this.bus.ref();
  }

  /** This connection's unique name on the bus (`:1.42`). */
  get uniqueName(): string {
    return this.bus.uniqueName;
  }

  /**
   * Calls a method of the bus itself (`org.freedesktop.DBus`: NameHasOwner, GetNameOwner, ListActivatableNames…) and
   * returns the first value of the reply.
   * @throws NoBackendError, SecretStorageError (mapped like every other call).
   */
  async callBus(member: string, signature = '', body: unknown[] = []): Promise<unknown> {
    try {
      const reply = await this.bus.call(
        { destination: DBUS_NAME, path: DBUS_PATH, interface: DBUS_NAME, member, signature, body },
        { timeoutMs: this.callTimeoutMs },
      );
      return reply.body[0];
    } catch (error) {
      throw mapCallError(error, `${DBUS_NAME}.${member}`, this.serviceName);
    }
  }

  /**
   * The service's owner `left` (a unique name), or, without it, the service no longer knows this connection's
   * session: the session opened with that owner is forgotten and the next use opens another. A session that the
   * successor opened is kept: it may be answered before this connection has read that its predecessor left (the
   * signals wait in the socket while the call goes out to whoever owns the name then).
   */
  private serviceRestarted(left?: string): void {
    if (left !== undefined) {
      this.departures++;
      this.departedOwners.push(left);
      if (this.departedOwners.length > REMEMBERED_OWNERS) this.departedOwners.shift();
    }
    this.firstContact.reset();
    const current = this.sessionPromise;
    if (!current) return;
    const forget = (session: Session) => {
      if (left !== undefined && session.owner !== undefined && session.owner !== left) return; // the successor's
      this.log?.(`${this.serviceName} changed owner: the transfer session will be reopened`);
      if (this.sessionPromise === current) {
        this.sessionPromise = undefined;
        this.openedSession = undefined;
      }
      session.forget();
    };
    // A session still being opened checks its owner itself when it opens (see openWithCurrentOwner).
    if (this.openedSession) forget(this.openedSession);
  }

  async call(
    path: string,
    iface: string,
    member: string,
    signature?: string,
    body?: unknown[],
    options: ServiceCallOptions = {},
  ): Promise<unknown[]> {
    const what = `${iface.replace('org.freedesktop.Secret.', '')}.${member} on ${path}`;
    const started = this.log ? performance.now() : 0;
    // Reads started before this call leave before it, whatever they wait for (see secret-reads.ts).
    if (!READ_ONLY_MEMBERS.has(member)) this.secretReads.sendWaiting();
    try {
      if (!this.firstContact.made) await this.firstContact.wait(options.signal);
      const reply = await this.bus.call(
        { destination: this.serviceName, path, interface: iface, member, signature, body },
        {
          timeoutMs: options.timeoutMs ?? this.callTimeoutMs,
          replySignature: options.replySignature,
          describe: what,
          signal: options.signal,
        },
      );
      this.log?.(
        `call ${what} (${signature ?? ''}) -> (${reply.signature}) ${(performance.now() - started).toFixed(2)} ms`,
      );
      if (options.reply) options.reply.sender = reply.sender;
      return reply.body;
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason) throw error; // the caller's own reason, as is
      const mapped = options.raw ? error : mapCallError(error, what, this.serviceName);
      this.log?.(
        `call ${what} (${signature ?? ''}) failed after ${(performance.now() - started).toFixed(2)} ms: ${(mapped as Error).name}` +
          `${(mapped as { dbusName?: string }).dbusName ? ` ${(mapped as { dbusName?: string }).dbusName}` : ''}`,
      );
      throw mapped;
    }
  }

  /** See first-contact.ts: true when the service answered (an error reply of its own included). */
  private async sendFirstCall(): Promise<boolean> {
    // Watching the owner from now on: a restarted daemon is a new one to make first contact with.
    const watching = this.watchServiceOwner().catch(() => undefined);
    try {
      await this.bus.call(
        {
          destination: this.serviceName,
          path: SERVICE_PATH,
          interface: PROPERTIES_IFACE,
          member: 'Get',
          signature: 'ss',
          body: [SERVICE_IFACE, 'Collections'],
        },
        { timeoutMs: this.callTimeoutMs, describe: `the first call to ${this.serviceName} on this connection` },
      );
      await watching;
      this.log?.(`first call to ${this.serviceName} answered`);
      return true;
    } catch (error) {
      if (error instanceof TimeoutException) throw error;
      // The bus's own errors (no such service, activation failed, the service left without replying) are no answer.
      return error instanceof DBusMethodError && !NO_SERVICE_ERRORS.has(error.errorName);
    }
  }

  send(path: string, iface: string, member: string, signature?: string, body?: unknown[]): void {
    if (this.bus.closed) return;
    if (!READ_ONLY_MEMBERS.has(member)) this.secretReads.sendWaiting();
    this.bus.send({ destination: this.serviceName, path, interface: iface, member, signature, body });
  }

  async getProperty(path: string, iface: string, name: string, signature: string): Promise<unknown> {
    const [value] = await this.call(path, PROPERTIES_IFACE, 'Get', 'ss', [iface, name], { replySignature: 'v' });
    if (!isVariant(value) || value.signature !== signature) {
      throw new ProtocolError(
        `${iface}.${name} of ${path} has type ${isVariant(value) ? value.signature : 'unknown'} where ${signature} was expected.`,
      );
    }
    return value.value;
  }

  async setProperty(path: string, iface: string, name: string, signature: string, value: unknown): Promise<void> {
    await this.call(path, PROPERTIES_IFACE, 'Set', 'ssv', [iface, name, variant(signature, value)], {
      replySignature: '',
    });
  }

  session(): Promise<Session> {
    if (!this.sessionPromise) {
      const opening = this.openWithCurrentOwner();
      this.sessionPromise = opening;
      opening.then(
        (session) => {
          if (this.sessionPromise === opening) this.openedSession = session;
          else session.forget(); // closed or replaced while it was being opened
        },
        () => {
          if (this.sessionPromise === opening) this.sessionPromise = undefined;
        },
      );
    }
    return this.sessionPromise;
  }

  /**
   * Opens a session, and opens it again if the service changed owner while it was being opened: a session that the
   * departed owner opened is of no use, and its error as it left (NoReply) says nothing about its successor, so
   * neither reaches the callers waiting for the session. At most {@link SESSION_REOPENINGS} times, so that a service
   * that keeps restarting ends in its error rather than a loop.
   */
  private async openWithCurrentOwner(): Promise<Session> {
    for (let reopenings = 0; ; reopenings++) {
      const departuresBefore = this.departures;
      const departedMeanwhile = () => this.departures !== departuresBefore;
      let session: Session;
      try {
        // The owner watch and the negotiation are independent: one round trip instead of two before the first secret.
        [, session] = await Promise.all([this.watchServiceOwner(), openSession(this, this.encryption)]);
      } catch (error) {
        if (reopenings < SESSION_REOPENINGS && !this.closed && departedMeanwhile()) continue;
        throw error;
      }
      const stale = session.owner === undefined ? departedMeanwhile() : this.departedOwners.includes(session.owner);
      if (!stale || reopenings >= SESSION_REOPENINGS) return session;
      this.log?.(`${this.serviceName} changed owner while the transfer session was opened: opening it again`);
      session.forget();
    }
  }

  async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const session = await this.session();
    try {
      return await fn(session);
    } catch (error) {
      if (!sessionLost(error)) throw error;
      // The service lost our session (it restarted between calls, or KWallet dropped it): open a new one and try once
      // more.
      if (this.sessionPromise && (await this.sessionPromise.catch(() => undefined)) === session)
        this.serviceRestarted();
      return fn(await this.session());
    }
  }

  /**
   * The unique bus name that currently owns the service name, as the bus says (used to check who sent a prompt's
   * Completed).
   * @throws NoBackendError when nobody owns it.
   */
  async serviceOwner(): Promise<string> {
    let owner: string;
    try {
      await this.watchServiceOwner();
      owner = await this.bus.nameOwner(this.serviceName);
    } catch (error) {
      throw mapCallError(error, `Looking up the owner of ${this.serviceName}`, this.serviceName);
    }
    if (owner) return owner;
    throw mapCallError(
      new DBusMethodError(NAME_HAS_NO_OWNER, `Could not get owner of name '${this.serviceName}': no such name`),
      `Looking up the owner of ${this.serviceName}`,
      this.serviceName,
    );
  }

  /**
   * Follows the service's owner from now on (the bus's NameOwnerChanged, see src/dbus/name-owners.ts): a session
   * dies with the owner that opened it.
   */
  private watchServiceOwner(): Promise<void> {
    if (!this.watchingOwner) {
      this.stopWatching ??= this.bus.onNameOwnerChanged(this.serviceName, (oldOwner) => {
        // A service appearing where none was (old owner '') takes nothing from us: what this connection had with the
        // previous owner went when that one left (the signal before), and what it made since is with the new one.
        if (oldOwner !== '') this.serviceRestarted(oldOwner);
      });
      const watching = this.bus.nameOwner(this.serviceName).then(() => undefined);
      this.watchingOwner = watching;
      watching.catch(() => {
        if (this.watchingOwner === watching) this.watchingOwner = undefined;
      });
    }
    return this.watchingOwner;
  }

  /**
   * Closes the session and the bus connection. Pending calls fail with ConnectionClosedError, a session still being
   * opened included: it is not waited for (the service forgets a client's sessions when its connection ends).
   */
  async close(): Promise<void> {
    if (this.bus.closed) return;
    const opened = this.openedSession;
    this.sessionPromise = undefined;
    this.openedSession = undefined;
    if (opened) closeSession(this, opened);
    this.stopWatching?.();
    await this.bus.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Hides the internals from `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Connection { serviceName: '${this.serviceName}', closed: ${this.closed} }`;
  }

  toJSON(): object {
    return { serviceName: this.serviceName, closed: this.closed };
  }
}

/**
 * Whether the service says it does not know the session: NoSession, or KWallet's Qt error for a session path it has
 * dropped (InvalidObjectPath "Can't find session /org/freedesktop/secrets/session/N", seen under load).
 */
function sessionLost(error: unknown): boolean {
  if (!(error instanceof SecretStorageError)) return false;
  if (error.dbusName === NO_SESSION_ERROR) return true;
  return error.dbusName === QT_INVALID_OBJECT_PATH_ERROR && /Can't find session /.test(error.message);
}

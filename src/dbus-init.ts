/**
 * `dbusInit()`: from options and the environment to a {@link Connection}: which bus and which service, checked
 * settings, and errors that say what to do when there is no session bus.
 */
import { Connection } from './connection.js';
import { discoverSessionBusAddress } from './dbus/address.js';
import { DBusConnection, MAX_MESSAGE_BYTES } from './dbus/connection.js';
import { FILE_BACKEND_HINT, SECRETS_BUS_NAME } from './defines.js';
import { resolveDebugLog, type DebugLog } from './debug-log.js';
import { InvalidArgumentError, NoBackendError } from './errors.js';
import type { EncryptionMode } from './session.js';
import { assertBusName } from './validate.js';

export interface DbusInitOptions {
  /** A D-Bus address (`unix:path=…`, `tcp:host=…,port=…`); default: the session bus. */
  address?: string;
  /** The bus name of the Secret Service; default `SECRET_SERVICE_BUS_NAME` from the environment, else `org.freedesktop.secrets`. */
  serviceName?: string;
  /** Milliseconds a method call may take before it fails with TimeoutException (default 25000, as libdbus; 0 = no limit). */
  callTimeoutMs?: number;
  /** Milliseconds a prompt may stay open before it is dismissed and TimeoutException thrown (default: no limit). */
  promptTimeoutMs?: number;
  /** `prefer` (default): DH, plain only if the service says NotSupported; `require`: DH or fail; `plain`: never encrypt. */
  encryption?: EncryptionMode;
  /**
   * Log calls, timings and errors (never message bodies, so never secrets): `true` writes to stderr, a function gets
   * each line. Default: on when `DEBUG` contains `secretstorage`.
   */
  debug?: boolean | DebugLog;
  /**
   * The environment to read `DBUS_SESSION_BUS_ADDRESS`, `XDG_RUNTIME_DIR`, `SECRET_SERVICE_BUS_NAME` and `DEBUG` from
   * (default `process.env`), for tools that run on behalf of another environment.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Largest message accepted from the bus, in bytes (default 128 MiB, the D-Bus maximum). A larger one is skipped
   * unread: a reply to one of the connection's calls fails that call with ProtocolError; anything else is dropped.
   */
  maxMessageBytes?: number;
  /** Aborting it while connecting gives up: the socket is closed and `dbusInit` rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_CALL_TIMEOUT_MS = 25_000;
/** Below this, the bus's own replies (Hello's, a search's) would not fit. */
const MIN_MESSAGE_BYTES = 4096;

/**
 * The bus address (undefined when none is known) and the service name that `dbusInit(options)` would use: the
 * options', else the environment's.
 */
export function connectionTarget(options: Pick<DbusInitOptions, 'address' | 'serviceName' | 'env'> = {}): {
  address: string | undefined;
  serviceName: string;
} {
  const env = options.env ?? process.env;
  return {
    address: options.address ?? discoverSessionBusAddress(env),
    serviceName: options.serviceName ?? (env.SECRET_SERVICE_BUS_NAME || SECRETS_BUS_NAME),
  };
}

/**
 * Connects to the session bus (or `options.address`). Does not check that a Secret Service is running: see
 * {@link checkServiceAvailability}.
 * @throws NoBackendError when no bus address is known or the bus cannot be reached.
 */
export async function dbusInit(options: DbusInitOptions = {}): Promise<Connection> {
  const encryption = options.encryption ?? 'prefer';
  if (!['prefer', 'require', 'plain'].includes(encryption)) {
    throw new InvalidArgumentError(
      'encryption',
      `must be 'prefer', 'require' or 'plain', got ${JSON.stringify(encryption)}.`,
    );
  }
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  if (typeof callTimeoutMs !== 'number' || !(callTimeoutMs >= 0)) {
    throw new InvalidArgumentError('callTimeoutMs', 'must be a number of milliseconds ≥ 0 (0 or Infinity: no limit).');
  }
  const { promptTimeoutMs, maxMessageBytes } = options;
  if (promptTimeoutMs !== undefined && !(typeof promptTimeoutMs === 'number' && promptTimeoutMs >= 0)) {
    throw new InvalidArgumentError(
      'promptTimeoutMs',
      'must be a number of milliseconds ≥ 0 (0 or Infinity: no limit).',
    );
  }
  if (
    maxMessageBytes !== undefined &&
    !(Number.isInteger(maxMessageBytes) && maxMessageBytes >= MIN_MESSAGE_BYTES && maxMessageBytes <= MAX_MESSAGE_BYTES)
  ) {
    throw new InvalidArgumentError(
      'maxMessageBytes',
      `must be a whole number of bytes from ${MIN_MESSAGE_BYTES} to ${MAX_MESSAGE_BYTES} (the D-Bus maximum).`,
    );
  }
  const env = options.env ?? process.env;
  const { address, serviceName } = connectionTarget(options);
  // The bus disconnects a client that sends a message to a malformed name: refuse it here instead.
  assertBusName(options.serviceName === undefined ? 'SECRET_SERVICE_BUS_NAME' : 'serviceName', serviceName);
  if (!address) {
    const runtime = env.XDG_RUNTIME_DIR
      ? `${env.XDG_RUNTIME_DIR}/bus is not a socket of this user's`
      : 'XDG_RUNTIME_DIR is not set either';
    throw new NoBackendError(
      `No D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and ${runtime} ` +
        '(typical of SSH sessions, containers and CI). Run your command under `dbus-run-session -- <command>` with a ' +
        'keyring daemon started inside it, or use `npx -p secretstorage secretstorage headless -- <command>`, which ' +
        `does both. ${FILE_BACKEND_HINT}`,
    );
  }
  const log = resolveDebugLog(options.debug, env);
  let bus: DBusConnection;
  try {
    bus = await DBusConnection.open(address, {
      // Connecting is bounded even when calls are not (0 or Infinity): a socket that never answers must not hang.
      timeoutMs: Number.isFinite(callTimeoutMs) && callTimeoutMs > 0 ? callTimeoutMs : undefined,
      maxMessageBytes: options.maxMessageBytes,
      log,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    // Nothing listens at the session bus's address (a socket that is gone): say where it came from and what to do.
    if (!(error instanceof NoBackendError) || options.address !== undefined) throw error;
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw error;
    const from = env.DBUS_SESSION_BUS_ADDRESS ? 'DBUS_SESSION_BUS_ADDRESS' : '$XDG_RUNTIME_DIR/bus';
    throw new NoBackendError(
      `${error.message.replace(/\.$/, '')} (the session bus address from ${from}). No session bus answers there: ` +
        'a DBUS_SESSION_BUS_ADDRESS left over from an earlier session is a common cause. Unset it, or run under ' +
        '`dbus-run-session -- <command>` with a keyring started inside, or ' +
        '`npx -p secretstorage secretstorage headless -- <command>`; `npx -p secretstorage secretstorage diagnose` ' +
        `checks each step. ${FILE_BACKEND_HINT}`,
      { cause: error },
    );
  }
  log?.(
    `connected to ${address.split(',guid=')[0]} as ${bus.uniqueName}; service ${serviceName}, encryption ${encryption}`,
  );
  bus.onClose((error) => log?.(`connection closed${error ? `: ${error.message}` : ''}`));
  return new Connection(bus, { serviceName, encryption, callTimeoutMs, promptTimeoutMs: options.promptTimeoutMs, log });
}

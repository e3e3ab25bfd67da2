/**
 * A Secret portal for tests (`org.freedesktop.portal.Desktop` with `org.freedesktop.portal.Secret`): a real
 * xdg-desktop-portal only serves sandboxed applications and needs a desktop session, so outside a Flatpak it cannot
 * be run. Like the real one, `RetrieveSecret(h fd, a{sv})` writes the application's secret into the descriptor it
 * received over the bus, closes it, returns the Request path made of the caller's unique name and `handle_token`, and
 * emits `Response(u, a{sv})` there. The answer (0 success, 1 cancelled, 2 failed) and the secret can be changed while
 * it runs.
 */
import { DBusConnection } from '../dbus/connection.js';
import { PORTAL_BUS_NAME, PORTAL_PATH, REQUEST_IFACE, SECRET_PORTAL_IFACE } from '../keyring-file/portal-secret.js';

export interface MockSecretPortalOptions {
  /** A Unix-socket bus address (a private dbus-daemon's). */
  address: string;
  /** The application secret (default: 64 bytes of 0x5a). */
  secret?: Uint8Array;
  /** The Response code: 0 success (default), 1 the user cancelled, 2 failure. */
  response?: 0 | 1 | 2;
}

export interface MockSecretPortal {
  secret: Uint8Array;
  response: 0 | 1 | 2;
  /** How many RetrieveSecret calls it has answered. */
  readonly calls: number;
  stop(): Promise<void>;
}

const DO_NOT_QUEUE = 4;

/** Starts the mock portal on `address`, owning `org.freedesktop.portal.Desktop`. */
export async function startMockSecretPortal(options: MockSecretPortalOptions): Promise<MockSecretPortal> {
  const connection = await DBusConnection.open(options.address, { unixFds: true });
  const state = {
    secret: options.secret ?? new Uint8Array(64).fill(0x5a),
    response: options.response ?? 0,
    calls: 0,
    stop: () => connection.close(),
  };
  connection.onMethodCall((message) => {
    if (message.path !== PORTAL_PATH || message.interface !== SECRET_PORTAL_IFACE) return false;
    if (message.member !== 'RetrieveSecret' || message.signature !== 'ha{sv}') return false;
    const [, portalOptions] = message.body as [number, Record<string, { value: unknown }>];
    const fd = message.fds?.[0];
    if (!fd) {
      connection.replyError(message, 'org.freedesktop.portal.Error.InvalidArgument', 'No file descriptor was passed.');
      return true;
    }
    state.calls++;
    const token = String(portalOptions.handle_token?.value ?? `t${state.calls}`);
    const requestPath = `${PORTAL_PATH}/request/${message.sender!.slice(1).replace(/\./g, '_')}/${token}`;
    connection.reply(message, 'o', [requestPath]);
    const respond = () => connection.emitSignal(requestPath, REQUEST_IFACE, 'Response', 'ua{sv}', [state.response, {}]);
    if (state.response === 0) fd.end(Buffer.from(state.secret), respond);
    else {
      fd.destroy();
      respond();
    }
    return true;
  });
  const code = await connection.requestName(PORTAL_BUS_NAME, DO_NOT_QUEUE);
  if (code !== 1) {
    await connection.close();
    throw new Error(`${PORTAL_BUS_NAME} is already owned on ${options.address} (RequestName answered ${code}).`);
  }
  return state;
}

/**
 * The key of a sandboxed application's keyring file, from the Secret portal as libsecret and oo7 ask for it:
 * `org.freedesktop.portal.Secret.RetrieveSecret(h fd, a{sv} {handle_token})` on `org.freedesktop.portal.Desktop`,
 * which writes the application's master secret (64 bytes from the portal's backend, e.g. gnome-keyring) into the
 * descriptor and then answers on its Request object with `Response(u code, a{sv})`. The descriptor passed is one end
 * of a Unix socket pair (made from a listening socket in a private folder, removed at once); the other end is read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../crypto/random.js';
import { discoverSessionBusAddress } from '../dbus/address.js';
import { variant } from '../dbus/codec.js';
import { DBusConnection, DBusMethodError } from '../dbus/connection.js';
import { matchRule } from '../dbus/signal-filter.js';
import { NoBackendError, PromptDismissedException, SecretStorageError, TimeoutException } from '../errors.js';
import { timerDelay } from '../timer-delay.js';

export const PORTAL_BUS_NAME = 'org.freedesktop.portal.Desktop';
export const PORTAL_PATH = '/org/freedesktop/portal/desktop';
export const SECRET_PORTAL_IFACE = 'org.freedesktop.portal.Secret';
export const REQUEST_IFACE = 'org.freedesktop.portal.Request';
/** What libsecret reads from the portal (gnome-keyring's portal backend writes 64 random bytes). */
const SECRET_BYTES = 64;

/** There is no Secret portal to ask (no bus, or nothing provides the portal): the caller may use the Secret Service. */
export class PortalUnavailableError extends NoBackendError {}

export interface PortalSecretOptions {
  /** The bus (default: the session bus of `env`). */
  address?: string;
  env?: NodeJS.ProcessEnv;
  /** The whole exchange, in milliseconds (default 60 000: the portal may ask the user). */
  timeoutMs?: number;
}

/** A connected socket pair: `give` goes to the portal, `keep` reads what it writes. */
async function socketPair(): Promise<{ give: Socket; keep: Socket }> {
  const folder = await mkdtemp(join(tmpdir(), 'secretstorage-portal-'));
  const path = join(folder, 's');
  const server = createServer();
  const cleanup = async () => {
    if (server.listening) server.close();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const give = connect(path);
    await new Promise<void>((resolve, reject) => {
      give.once('connect', resolve);
      give.once('error', reject);
    });
    const keep = await accepted;
    // Nobody else can connect now: the folder is private and the socket file goes at once.
    await cleanup();
    return { give, keep };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * The secret the portal writes to `socket`: its first {@link SECRET_BYTES} bytes, as libsecret reads them (the
 * portal's backend may keep the descriptor open a while after writing), or all it wrote when it closes sooner (which
 * the caller refuses, as libsecret does).
 */
function readSecret(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = () => {
      socket.removeAllListeners('data');
      const all = Buffer.concat(chunks);
      for (const chunk of chunks) chunk.fill(0);
      const secret = Buffer.from(all.subarray(0, SECRET_BYTES));
      all.fill(0);
      resolve(secret);
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= SECRET_BYTES) finish();
    });
    socket.once('end', finish);
    socket.once('error', reject);
  });
}

/**
 * The application's master secret from the Secret portal, asked from this process. Its bus connection can receive
 * descriptors, and Node aborts the whole process when one that is not a socket or a pipe arrives (any client on the
 * bus may send one): call it only in a process of its own (portal-child.ts, run by portal-process.ts).
 * @throws PortalUnavailableError when there is no session bus or no Secret portal on it; PromptDismissedException when
 *   the user cancelled; TimeoutException; SecretStorageError when the portal failed or sent other than 64 bytes.
 */
export async function retrievePortalSecretHere(options: PortalSecretOptions = {}): Promise<Uint8Array> {
  const address = options.address ?? discoverSessionBusAddress(options.env ?? process.env);
  if (!address) throw new PortalUnavailableError('There is no session bus, so no Secret portal to ask.');
  const timeoutMs = options.timeoutMs ?? 60_000;
  let connection: DBusConnection;
  try {
    connection = await DBusConnection.open(address, { unixFds: true, timeoutMs });
  } catch (error) {
    throw new PortalUnavailableError(`The Secret portal cannot be reached: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const pair = await socketPair().catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const secret = readSecret(pair.keep);
  secret.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const token = `secretstorage${Buffer.from(randomBytes(8)).toString('hex')}`;
    const sender = connection.uniqueName.slice(1).replace(/\./g, '_');
    const requestPath = `${PORTAL_PATH}/request/${sender}/${token}`;
    const filter = { sender: PORTAL_BUS_NAME, path: requestPath, interface: REQUEST_IFACE, member: 'Response' };
    // Subscribed before the call, as the portal may answer before its reply is read.
    const response = new Promise<number>((resolve) => {
      connection.onSignal(filter, (message) => {
        if (message.signature === 'ua{sv}') resolve(message.body[0] as number);
      });
    });
    await connection.addMatch(matchRule(filter));
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutException(`The Secret portal did not answer within ${timeoutMs} ms.`)),
        timerDelay(timeoutMs),
      );
    });
    deadline.catch(() => undefined);
    try {
      await Promise.race([
        connection.callWithUnixFd(
          {
            destination: PORTAL_BUS_NAME,
            path: PORTAL_PATH,
            interface: SECRET_PORTAL_IFACE,
            member: 'RetrieveSecret',
            signature: 'ha{sv}',
            body: [0, { handle_token: variant('s', token) }],
          },
          pair.give,
          { replySignature: 'o', describe: 'the Secret portal' },
        ),
        deadline,
      ]);
    } catch (error) {
      if (error instanceof DBusMethodError && /ServiceUnknown|UnknownInterface|UnknownMethod/.test(error.errorName)) {
        throw new PortalUnavailableError(`There is no Secret portal on the session bus (${error.errorName}).`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      // The portal holds its own copy: the read ends when it closes that one.
      pair.give.destroy();
    }
    const code = await Promise.race([response, deadline]);
    if (code === 1) throw new PromptDismissedException('The Secret portal request was cancelled by the user.');
    if (code !== 0) throw new SecretStorageError(`The Secret portal failed (response ${code}).`);
    const bytes = await Promise.race([secret, deadline]);
    if (bytes.length !== SECRET_BYTES) {
      // As libsecret refuses it: a key derived from fewer bytes would be weak, and its file one libsecret cannot open.
      bytes.fill(0);
      throw new SecretStorageError(
        `The Secret portal wrote ${bytes.length} bytes where ${SECRET_BYTES} were expected, so its secret cannot be ` +
          'the key of a keyring file; nothing was read or written.',
      );
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } finally {
    if (timer) clearTimeout(timer);
    pair.keep.destroy();
    await connection.close();
  }
}

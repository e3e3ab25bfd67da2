/**
 * A real KWallet (kwalletd5) serving the Secret Service on a given bus and X display, with its own HOME and XDG
 * directories. The wallet is opened with no dialog the way pam_kwallet does it at login: kwalletd5 is started with
 * `--pam-login PIPEFD SOCKETFD` and `PAM_KWALLET5_LOGIN` set, reads the PBKDF2-SHA512 hash of the password from the
 * pipe, then accepts one connection on the listening socket and reads environment lines from it; then it creates the
 * wallet if it is missing and opens it.
 */
import type { ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { dbusInit } from '../dbus-init.js';
import { DBusConnection } from '../dbus/connection.js';
import { SECRETS_BUS_NAME } from '../defines.js';
import { InvalidArgumentError, NoBackendError } from '../errors.js';
import { getAllCollections } from '../service.js';
import { spawnDaemon, waitUntil, type Daemon } from './daemon.js';
import { DEFAULT_KEYRING_PASSWORD, waitForName } from './gnome-keyring.js';
import { stopProcess } from './private-bus.js';
import { providerHome, type ProviderStartOptions, type RunningProvider } from './provider.js';

/** The wallet kwalletd5 opens at login, and the Secret Service collection it becomes. */
export const KWALLET_WALLET = 'kdewallet';

// pam_kwallet's constants (kwallet-pam, pam_kwallet.c): a 56-byte salt and key, 50,000 PBKDF2-SHA512 iterations.
const PAM_SALT_BYTES = 56;
const PAM_KEY_BYTES = 56;
const PAM_ITERATIONS = 50_000;

export interface KWalletOptions extends ProviderStartOptions {
  /** The X display kwalletd5's dialogs go to (see startXvfb). */
  display: string;
}

export interface KWallet extends RunningProvider {
  /** The wallet file. */
  walletPath: string;
}

// The Secret Service API on, the wallet opened at login and kept open (no idle closing, no dialog on open, no first-use
// wizard, no wallet manager in the tray).
const SETTINGS = `[Wallet]
Enabled=true
First Use=false
Default Wallet=${KWALLET_WALLET}
Prompt on Open=false
Leave Open=true
Close When Idle=false
Close on Screensaver=false
Launch Manager=false
Use One Wallet=true

[org.freedesktop.secrets]
apiEnabled=true
`;

/**
 * Starts kwalletd5 with the wallet `kdewallet` open (created when `dataDir` has none) and waits until its Secret
 * Service serves that wallet as a collection. A brand-new wallet is served only after a restart (kwalletd5 lists the
 * wallets that existed when it started), so the first start in a new directory starts it twice.
 * @throws InvalidArgumentError for an empty password; NoBackendError naming the packages when kwalletd5 is missing,
 *   or with its output when it fails to start or serve the wallet in time.
 */
export async function startKWallet(options: KWalletOptions): Promise<KWallet> {
  const password = options.password ?? DEFAULT_KEYRING_PASSWORD;
  if (password.length === 0) throw new InvalidArgumentError('password', 'must not be empty.');
  const own = await providerHome(options.dataDir, 'secretstorage-kwallet');
  const env: Record<string, string> = {
    ...own.env,
    DISPLAY: options.display,
    DBUS_SESSION_BUS_ADDRESS: options.address,
    // Qt would otherwise warn about, and probe, a session it is not part of.
    QT_LOGGING_RULES: 'kf.wallet*.debug=false',
  };
  const walletDir = join(env.XDG_DATA_HOME, 'kwalletd');
  const walletPath = join(walletDir, `${KWALLET_WALLET}.kwl`);
  let daemon: Daemon | undefined;
  const stop = async () => {
    if (daemon) await stopProcess(daemon.process);
    await own.remove();
  };
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  try {
    await mkdir(walletDir, { recursive: true, mode: 0o700 });
    await writeFile(join(env.XDG_CONFIG_HOME, 'kwalletrc'), SETTINGS);
    const hash = await passwordHash(password, join(walletDir, `${KWALLET_WALLET}.salt`));
    try {
      const fresh = !(await exists(walletPath));
      daemon = await loginStart(env, hash, options.onSpawn);
      await waitForName(options.address, SECRETS_BUS_NAME, timeoutMs, daemon.failure);
      if (fresh) {
        const first = daemon;
        await waitUntil(
          Date.now() + timeoutMs,
          first.failure,
          () => walletOpen(options.address),
          () =>
            `kwalletd5 did not create and open ${walletPath} within ${timeoutMs} ms. ` +
            `Its output: ${first.output().trim() || '(none)'}`,
        );
        // Closing writes the new wallet out in full; a wallet file cut short would not open on the next start.
        await closeWallet(options.address);
        await stopProcess(first.process);
        daemon = await loginStart(env, hash, options.onSpawn);
        await waitForName(options.address, SECRETS_BUS_NAME, timeoutMs, daemon.failure);
      }
    } finally {
      hash.fill(0);
    }
    const started = daemon;
    await waitUntil(
      Date.now() + timeoutMs,
      started.failure,
      () => servesCollection(options.address),
      () =>
        `kwalletd5 did not serve the wallet ${KWALLET_WALLET} within ${timeoutMs} ms (a wrong password for a kept ` +
        `wallet, or libqca-qt5-2-plugins missing?). Its output: ${started.output().trim() || '(none)'}`,
    );
  } catch (error) {
    const failure = daemon?.failure();
    await stop();
    throw failure && !(error instanceof NoBackendError) ? new NoBackendError(failure) : error;
  }
  return { process: daemon.process, env, walletPath, output: daemon.output, stop };
}

/** pam_kwallet's key: PBKDF2-HMAC-SHA512 of the password over the wallet's salt file, created if missing. */
async function passwordHash(password: string | Uint8Array, saltPath: string): Promise<Buffer> {
  let salt: Buffer;
  try {
    salt = await readFile(saltPath);
  } catch {
    salt = randomBytes(PAM_SALT_BYTES);
    await writeFile(saltPath, salt, { mode: 0o600 });
  }
  return pbkdf2Sync(password, salt, PAM_ITERATIONS, PAM_KEY_BYTES, 'sha512');
}

/**
 * Spawns kwalletd5 as pam_kwallet does and hands it the environment (one connection to the listening socket at fd 4)
 * and the hash (fd 3, a pipe). This process closes its own copy of the socket before connecting, so that kwalletd5
 * is the only one that can accept; the socket file is renamed first, since closing a Unix server in Node unlinks it.
 */
async function loginStart(
  env: Record<string, string>,
  hash: Uint8Array,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Daemon> {
  const socketPath = join(env.XDG_RUNTIME_DIR, 'kwallet5.socket');
  const handedPath = `${socketPath}.handed`;
  await rm(socketPath, { force: true });
  await rm(handedPath, { force: true });
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  let daemon: Daemon;
  try {
    // Node hands a listening socket to a child only by its descriptor, which its handle knows on every Unix.
    const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) throw new NoBackendError('Cannot pass a listening socket to kwalletd5.');
    daemon = spawnDaemon(
      'kwalletd5',
      ['--pam-login', '3', '4'],
      { ...env, PAM_KWALLET5_LOGIN: handedPath },
      {
        onSpawn,
        extraStdio: ['pipe', fd],
      },
    );
  } finally {
    await rename(socketPath, handedPath);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const lines = Object.entries(env)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');
  // The environment first, the hash then: the listening socket is non-blocking (Node made it so), so kwalletd5's
  // accept() fails at once unless the connection is already waiting when it gets there, which is right after it has
  // read the hash from the (blocking) pipe. Sent once the lines are written: kwalletd5 reads to the end of them but
  // never closes its side.
  await new Promise<void>((resolve) => {
    const socket = connect(handedPath, () =>
      socket.end(lines, () => {
        socket.destroy();
        resolve();
      }),
    );
    socket.on('error', () => resolve()); // kwalletd5 gone: its failure() says why
  });
  const hashPipe = daemon.process.stdio[3] as NodeJS.WritableStream & { on(event: 'error', f: () => void): void };
  hashPipe.on('error', () => undefined);
  await new Promise<void>((resolve) => hashPipe.end(hash, () => resolve()));
  await rm(handedPath, { force: true });
  return daemon;
}

const KWALLETD = { destination: 'org.kde.kwalletd5', path: '/modules/kwalletd5', interface: 'org.kde.KWallet' };

/** Whether kwalletd5's own interface says the wallet is open (false on any error, e.g. not started yet). */
async function walletOpen(address: string): Promise<boolean> {
  const bus = await DBusConnection.open(address);
  try {
    const reply = await bus.call({ ...KWALLETD, member: 'isOpen', signature: 's', body: [KWALLET_WALLET] });
    return reply.body[0] === true;
  } catch {
    return false;
  } finally {
    await bus.close();
  }
}

/** Closes the wallet through kwalletd5's own interface, which saves it first. */
async function closeWallet(address: string): Promise<void> {
  const bus = await DBusConnection.open(address);
  try {
    await bus.call({ ...KWALLETD, member: 'close', signature: 'sb', body: [KWALLET_WALLET, true] });
  } finally {
    await bus.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Whether the service on `address` lists a collection (false on any error). */
async function servesCollection(address: string): Promise<boolean> {
  const conn = await dbusInit({ address, serviceName: SECRETS_BUS_NAME });
  try {
    return (await getAllCollections(conn)).length > 0;
  } catch {
    return false;
  } finally {
    await conn.close();
  }
}

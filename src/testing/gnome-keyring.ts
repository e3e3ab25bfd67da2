/**
 * A real gnome-keyring-daemon (secrets component only) on a given bus, with its own HOME and XDG directories. The
 * login keyring is created, or an existing one unlocked, from a password on stdin (what `gnome-keyring-daemon
 * --unlock` does in CI); then checked through gnome-keyring's internal interface, which, unlike `--unlock`, reports
 * a wrong password.
 */
import { spawn } from 'node:child_process';
import { Collection } from '../collection.js';
import { dbusInit } from '../dbus-init.js';
import { DBusConnection } from '../dbus/connection.js';
import { DBUS_NAME, DBUS_PATH, SECRETS_BUS_NAME, SERVICE_PATH } from '../defines.js';
import { InvalidArgumentError, LockedException, NoBackendError, SecretStorageError } from '../errors.js';
import { missingProgramError } from './programs.js';
import { stopProcess } from './private-bus.js';
import { providerHome, type ProviderStartOptions, type RunningProvider } from './provider.js';

/** The login keyring's password when none is given. It protects nothing: give your own for a kept `dataDir`. */
export const DEFAULT_KEYRING_PASSWORD = 'secretstorage';

/** How much of the daemon's stderr is kept (its end), to tell why it failed or exited. */
const OUTPUT_KEPT_CHARS = 16_384;

const LOGIN_COLLECTION_PATH = `${SERVICE_PATH}/collection/login`;

/** The login keyring is created with (or unlocked by) `password`; see ProviderStartOptions for the rest. */
export type GnomeKeyringOptions = ProviderStartOptions;

export type GnomeKeyring = RunningProvider;

/** Waits until `name` has an owner on the bus at `address`. */
export async function waitForName(
  address: string,
  name: string,
  timeoutMs: number,
  exited?: () => string | undefined,
): Promise<void> {
  const bus = await DBusConnection.open(address);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await bus.call(
        {
          destination: DBUS_NAME,
          path: DBUS_PATH,
          interface: DBUS_NAME,
          member: 'NameHasOwner',
          signature: 's',
          body: [name],
        },
        { timeoutMs: 5000 },
      );
      if (reply.body[0] === true) return;
      const why = exited?.();
      if (why) throw new NoBackendError(why);
      if (Date.now() > deadline) throw new NoBackendError(`${name} did not appear on the bus within ${timeoutMs} ms.`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await bus.close();
  }
}

/**
 * Starts gnome-keyring-daemon in the foreground and waits until it serves the Secret Service with an unlocked login
 * keyring.
 * @throws InvalidArgumentError for an empty password (gnome-keyring would create no login keyring);
 *   NoBackendError naming the package when gnome-keyring-daemon is missing, or with its output if it failed;
 *   LockedException when an existing login keyring refuses the password.
 */
export async function startGnomeKeyring(options: GnomeKeyringOptions): Promise<GnomeKeyring> {
  const password = options.password ?? DEFAULT_KEYRING_PASSWORD;
  if (password.length === 0) {
    throw new InvalidArgumentError(
      'password',
      'must not be empty: gnome-keyring creates no login keyring without one.',
    );
  }
  const own = await providerHome(options.dataDir, 'secretstorage-keyring');
  const env = own.env;
  // `--unlock` creates the login keyring, or unlocks an existing one, before the daemon takes its bus name, so no
  // client ever sees it locked (one that calls a restarted daemon included). With a wrong password it starts anyway,
  // leaving the keyring locked without a word: the keyring is checked over the bus below, where that is an error.
  const args = ['--foreground', '--components=secrets', '--unlock'];
  const child = spawn('gnome-keyring-daemon', args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, DBUS_SESSION_BUS_ADDRESS: options.address },
    stdio: ['pipe', 'ignore', 'pipe'],
    // Its own session, like the bus: a Ctrl-C meant for a command using the keyring must not reach it.
    detached: true,
  });
  options.onSpawn?.(child);
  let output = '';
  let failure: string | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    output += chunk;
    if (output.length > 2 * OUTPUT_KEPT_CHARS) output = output.slice(-OUTPUT_KEPT_CHARS);
  });
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = error.code === 'ENOENT' ? missingProgramError('gnome-keyring-daemon').message : error.message;
  });
  child.once('exit', (code, signal) => {
    failure ??= `gnome-keyring-daemon exited (${signal ?? `code ${code}`}) before serving: ${output.trim()}`;
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(typeof password === 'string' ? Buffer.from(password) : password);
  const stop = async () => {
    await stopProcess(child);
    await own.remove();
  };
  try {
    await waitForName(options.address, SECRETS_BUS_NAME, options.startTimeoutMs ?? 15_000, () => failure);
  } catch (error) {
    await stop();
    throw failure && !(error instanceof NoBackendError && error.message === failure)
      ? new NoBackendError(failure)
      : error;
  }
  try {
    await unlockLoginKeyring(options.address, password, own.home);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, env, output: () => output.slice(-OUTPUT_KEPT_CHARS), stop };
}

/** Unlocks the login keyring with its password if it is locked, through gnome-keyring's internal interface. */
async function unlockLoginKeyring(address: string, password: string | Uint8Array, home: string): Promise<void> {
  const conn = await dbusInit({ address, serviceName: SECRETS_BUS_NAME });
  try {
    const login = new Collection(conn, LOGIN_COLLECTION_PATH);
    if (await login.isLocked()) await login.unlock({ password });
  } catch (error) {
    if (error instanceof SecretStorageError && error.dbusName === 'org.gnome.keyring.Error.Denied') {
      throw new LockedException(
        `The login keyring in ${home} refused the password: give the one it was created with ` +
          '(the CLI reads it with --password-stdin).',
        { dbusName: error.dbusName },
      );
    }
    throw error;
  } finally {
    await conn.close();
  }
}

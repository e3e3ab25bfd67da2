/**
 * A real gnome-keyring-daemon (secrets component only) on a given bus, with its own HOME and XDG directories, its
 * login keyring created or unlocked with a password given on stdin: what `gnome-keyring-daemon --unlock` does in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DBusConnection } from '../dbus/connection.js';
import { DBUS_NAME, DBUS_PATH, SECRETS_BUS_NAME } from '../defines.js';
import { NoBackendError } from '../errors.js';
import { missingProgramError } from './programs.js';
import { stopProcess } from './private-bus.js';

export interface GnomeKeyringOptions {
  /** The bus to serve on. */
  address: string;
  /** The login keyring's password (created with it when new). Default: a fixed test password. */
  password?: string;
  /** Where keyrings are stored (kept after stop()); default a temporary directory removed by stop(). */
  dataDir?: string;
  /** Milliseconds to wait for the daemon to own org.freedesktop.secrets (default 15000). */
  startTimeoutMs?: number;
}

export interface GnomeKeyring {
  process: ChildProcess;
  /** The environment the daemon runs with (HOME and XDG directories). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Waits until `name` has an owner on the bus at `address`. */
export async function waitForName(address: string, name: string, timeoutMs: number, exited?: () => string | undefined): Promise<void> {
  const bus = await DBusConnection.open(address);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await bus.call(
        { destination: DBUS_NAME, path: DBUS_PATH, interface: DBUS_NAME, member: 'NameHasOwner', signature: 's', body: [name] },
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
 * Starts gnome-keyring-daemon in the foreground and waits until it serves the Secret Service.
 * @throws NoBackendError naming the package when gnome-keyring-daemon is missing, or with its output if it failed.
 */
export async function startGnomeKeyring(options: GnomeKeyringOptions): Promise<GnomeKeyring> {
  const ownDir = options.dataDir === undefined;
  const home = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'secretstorage-keyring-')));
  const env: Record<string, string> = {
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: join(home, 'run'),
  };
  for (const dir of Object.values(env)) await mkdir(dir, { recursive: true });
  await chmod(env.XDG_RUNTIME_DIR, 0o700);
  const child = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, DBUS_SESSION_BUS_ADDRESS: options.address },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let output = '';
  let failure: string | undefined;
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = error.code === 'ENOENT' ? missingProgramError('gnome-keyring-daemon').message : error.message;
  });
  child.once('exit', (code, signal) => {
    failure ??= `gnome-keyring-daemon exited (${signal ?? `code ${code}`}) before serving: ${output.trim()}`;
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.password ?? 'secretstorage-test');
  const stop = async () => {
    await stopProcess(child);
    if (ownDir) await rm(home, { recursive: true, force: true });
  };
  try {
    await waitForName(options.address, SECRETS_BUS_NAME, options.startTimeoutMs ?? 15_000, () => failure);
  } catch (error) {
    await stop();
    throw failure && !(error instanceof NoBackendError && error.message === failure) ? new NoBackendError(failure) : error;
  }
  return { process: child, env, stop };
}

/** A private session bus with an unlocked gnome-keyring on it: a working Secret Service for tests, CI and headless use. */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGnomeKeyring, type GnomeKeyring } from './gnome-keyring.js';
import { startPrivateBus, type PrivateBus } from './private-bus.js';
import { startWatchdog } from './watchdog.js';

export interface HeadlessKeyringOptions {
  /** The login keyring's password: a new keyring is created with it, a kept one unlocked. Default `secretstorage`. */
  password?: string | Uint8Array;
  /** Keep keyrings in this directory across runs (default: throwaway). */
  dataDir?: string;
  /** Also expose the bus on 127.0.0.1 TCP with ANONYMOUS authentication. */
  tcp?: boolean;
}

export interface HeadlessKeyring {
  /** The bus address (`unix:path=…`). */
  address: string;
  /** The TCP address when `tcp` was asked for. */
  tcpAddress?: string;
  /** Environment for a child process: `DBUS_SESSION_BUS_ADDRESS`. */
  env: Record<string, string>;
  /** The daemons, for tests that kill and restart them. */
  processes: { bus: ChildProcess; keyring: ChildProcess };
  /** Also ends `child` (SIGTERM, then SIGKILL) if this process dies without calling stop(). */
  adopt(child: ChildProcess): void;
  /** Restarts gnome-keyring-daemon on the same bus and data (what a crash and a restart look like to clients). */
  restartKeyring(): Promise<void>;
  /** Stops gnome-keyring and the bus and removes throwaway data. */
  stop(): Promise<void>;
}

/**
 * Starts a private `dbus-daemon` and an unlocked `gnome-keyring-daemon` on it. If this process dies without stop(),
 * even by SIGKILL, a watchdog stops both and removes the throwaway directories.
 * @throws NoBackendError naming the packages to install when either program is missing; LockedException when a kept
 *   keyring in `dataDir` refuses the password; InvalidArgumentError for an empty password.
 */
export async function startHeadlessKeyring(options: HeadlessKeyringOptions = {}): Promise<HeadlessKeyring> {
  const watchdog = await startWatchdog();
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const throwaway: string[] = [];
  const makeTemporary = async (prefix: string) => {
    const directory = await mkdtemp(join(tmpdir(), prefix));
    throwaway.push(directory);
    watchdog.removeOnDeath(directory);
    return directory;
  };
  const removeThrowaway = () =>
    Promise.all(throwaway.map((directory) => rm(directory, { recursive: true, force: true })));
  let bus: PrivateBus | undefined;
  let keyring: GnomeKeyring | undefined;
  const startKeyring = async (busAddress: string, home: string) =>
    startGnomeKeyring({ address: busAddress, password: options.password, dataDir: home, onSpawn: watchdog.guard });
  try {
    bus = await startPrivateBus({
      tcp: options.tcp,
      directory: await makeTemporary('secretstorage-bus-'),
      onSpawn: watchdog.guard,
    });
    const home = dataDir ?? (await makeTemporary('secretstorage-keyring-'));
    keyring = await startKeyring(bus.address, home);
    const running = { bus, keyring, home };
    let stopped: Promise<void> | undefined;
    const handle: HeadlessKeyring = {
      address: bus.address,
      ...(bus.tcpAddress ? { tcpAddress: bus.tcpAddress } : {}),
      env: { DBUS_SESSION_BUS_ADDRESS: bus.address },
      processes: { bus: bus.process, keyring: keyring.process },
      adopt: (child) => watchdog.guard(child),
      async restartKeyring() {
        await running.keyring.stop();
        running.keyring = await startKeyring(running.bus.address, running.home);
        handle.processes.keyring = running.keyring.process;
      },
      stop() {
        stopped ??= (async () => {
          await running.keyring.stop();
          await running.bus.stop();
          await removeThrowaway();
          watchdog.disarm();
        })();
        return stopped;
      },
    };
    return handle;
  } catch (error) {
    await keyring?.stop();
    await bus?.stop();
    await removeThrowaway();
    watchdog.disarm();
    throw error;
  }
}

/**
 * Any of the three Linux Secret Service providers on a private session bus, with a throwaway HOME: gnome-keyring (as
 * startHeadlessKeyring starts it), KWallet or KeePassXC (both GUI programs, on a virtual X display of their own). For
 * test suites that should pass against every server their users may have.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dbusInit } from '../dbus-init.js';
import { SECRETS_BUS_NAME } from '../defines.js';
import { InvalidArgumentError } from '../errors.js';
import { getDefaultCollection } from '../service.js';
import { startHeadlessKeyring } from './headless-keyring.js';
import { scratchFolder } from './scratch.js';
import { startKeePassXC, type KeePassXC } from './keepassxc.js';
import { startKWallet, type KWallet } from './kwallet.js';
import { startPrivateBus, type PrivateBus } from './private-bus.js';
import { startWatchdog } from './watchdog.js';
import { startXvfb, type VirtualDisplay } from './xvfb.js';

/** The Secret Service servers startHeadlessProvider can start. */
export type SecretServiceProvider = 'gnome-keyring' | 'kwallet' | 'keepassxc';
export const SECRET_SERVICE_PROVIDERS: readonly SecretServiceProvider[] = Object.freeze([
  'gnome-keyring',
  'kwallet',
  'keepassxc',
]);

export interface HeadlessProviderOptions {
  /** Which server. */
  provider: SecretServiceProvider;
  /** The password of its keyring, wallet or database (created with it when new). Default `secretstorage`. */
  password?: string;
  /** Keep the server's data in this directory across runs (default: throwaway). */
  dataDir?: string;
  /** Also expose the bus on 127.0.0.1 TCP, to this user only (DBUS_COOKIE_SHA1 authentication). */
  tcp?: boolean;
  /**
   * KWallet reports its open wallet `Locked` to Secret Service clients until one calls `Unlock` (which then needs no
   * dialog). By default the starter does that call, so that every provider starts with its default collection
   * unlocked, as gnome-keyring's login keyring is after login; `false` leaves it as a fresh KWallet session has it.
   */
  unlock?: boolean;
  /** Milliseconds to wait for the server to serve (default 60000 for the GUI programs, 15000 for gnome-keyring). */
  startTimeoutMs?: number;
}

export interface HeadlessProvider {
  provider: SecretServiceProvider;
  /** The bus address (`unix:path=…`). */
  address: string;
  /** The TCP address when `tcp` was asked for. */
  tcpAddress?: string;
  /** Environment for a child process: `DBUS_SESSION_BUS_ADDRESS`, and `DISPLAY` for KWallet and KeePassXC. */
  env: Record<string, string>;
  /** The X display their dialogs appear on (KWallet and KeePassXC), for answering them (see answerDialog). */
  display?: string;
  /** The server's process (gnome-keyring-daemon, kwalletd5 or keepassxc). */
  process: ChildProcess;
  /** The end of what the server wrote (for explaining a failure). */
  output(): string;
  /** Also ends `child` (SIGTERM, then SIGKILL) if this process dies without calling stop(). */
  adopt(child: ChildProcess): void;
  /** Stops the server, the display and the bus, and removes throwaway data. */
  stop(): Promise<void>;
}

/**
 * Starts a private `dbus-daemon` and the given Secret Service provider on it, with its default collection unlocked
 * (see `unlock`). If this process dies without stop(), even by SIGKILL, a watchdog stops everything and removes the
 * throwaway directories.
 * @throws InvalidArgumentError for an unknown provider; NoBackendError naming the packages to install when a program
 *   is missing, or with the server's output when it fails to start; the starters' errors (see startGnomeKeyring,
 *   startKWallet, startKeePassXC).
 */
export async function startHeadlessProvider(options: HeadlessProviderOptions): Promise<HeadlessProvider> {
  if (!SECRET_SERVICE_PROVIDERS.includes(options.provider)) {
    throw new InvalidArgumentError('provider', `must be one of ${SECRET_SERVICE_PROVIDERS.join(', ')}.`);
  }
  if (options.provider === 'gnome-keyring') {
    const keyring = await startHeadlessKeyring({
      password: options.password,
      dataDir: options.dataDir,
      tcp: options.tcp,
    });
    return {
      provider: 'gnome-keyring',
      address: keyring.address,
      ...(keyring.tcpAddress ? { tcpAddress: keyring.tcpAddress } : {}),
      env: keyring.env,
      get process() {
        return keyring.processes.keyring;
      },
      output: () => '',
      adopt: keyring.adopt,
      stop: keyring.stop,
    };
  }
  const watchdog = await startWatchdog();
  const throwaway: string[] = [];
  let bus: PrivateBus | undefined;
  let display: VirtualDisplay | undefined;
  let server: KWallet | KeePassXC | undefined;
  const stopAll = async () => {
    await server?.stop();
    await display?.stop();
    await bus?.stop();
    await Promise.all(throwaway.map((directory) => rm(directory, { recursive: true, force: true })));
    watchdog.disarm();
  };
  try {
    const busDirectory = await scratchFolder('secretstorage-bus-');
    throwaway.push(busDirectory);
    watchdog.removeOnDeath(busDirectory);
    bus = await startPrivateBus({ tcp: options.tcp, directory: busDirectory, onSpawn: watchdog.guard });
    display = await startXvfb({ onSpawn: watchdog.guard });
    let dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
    if (dataDir === undefined) {
      dataDir = await scratchFolder(`secretstorage-${options.provider}-`);
      throwaway.push(dataDir);
      watchdog.removeOnDeath(dataDir);
    }
    const common = {
      address: bus.address,
      display: display.display,
      password: options.password,
      dataDir,
      startTimeoutMs: options.startTimeoutMs,
      onSpawn: watchdog.guard,
    };
    server = options.provider === 'kwallet' ? await startKWallet(common) : await startKeePassXC(common);
    if (options.unlock !== false) await unlockDefaultCollection(bus.address);
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const running = server;
  return {
    provider: options.provider,
    address: bus.address,
    ...(bus.tcpAddress ? { tcpAddress: bus.tcpAddress } : {}),
    env: { DBUS_SESSION_BUS_ADDRESS: bus.address, DISPLAY: display.display },
    display: display.display,
    process: running.process,
    output: running.output,
    adopt: (child) => watchdog.guard(child),
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}

/** Unlocks the default collection if it says it is locked: no dialog on an open KWallet wallet. */
async function unlockDefaultCollection(address: string): Promise<void> {
  const conn = await dbusInit({ address, serviceName: SECRETS_BUS_NAME });
  try {
    const collection = getDefaultCollection(conn);
    if (await collection.isLocked()) await collection.unlock();
  } finally {
    await conn.close();
  }
}

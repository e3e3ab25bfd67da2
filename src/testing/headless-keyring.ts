/** A private session bus with an unlocked gnome-keyring on it: a working Secret Service for tests, CI and headless use. */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGnomeKeyring, type GnomeKeyring } from './gnome-keyring.js';
import { startPrivateBus } from './private-bus.js';

export interface HeadlessKeyringOptions {
  /** The login keyring's password. */
  password?: string;
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
  /** Restarts gnome-keyring-daemon on the same bus and data (what a crash and a restart look like to clients). */
  restartKeyring(): Promise<void>;
  /** Stops gnome-keyring and the bus and removes throwaway data. */
  stop(): Promise<void>;
}

/**
 * Starts a private `dbus-daemon` and an unlocked `gnome-keyring-daemon` on it.
 * @throws NoBackendError naming the packages to install when either program is missing.
 */
export async function startHeadlessKeyring(options: HeadlessKeyringOptions = {}): Promise<HeadlessKeyring> {
  const bus = await startPrivateBus({ tcp: options.tcp });
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'secretstorage-keyring-')));
  let keyring: GnomeKeyring;
  try {
    keyring = await startGnomeKeyring({ address: bus.address, password: options.password, dataDir });
  } catch (error) {
    await bus.stop();
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const handle: HeadlessKeyring = {
    address: bus.address,
    ...(bus.tcpAddress ? { tcpAddress: bus.tcpAddress } : {}),
    env: { DBUS_SESSION_BUS_ADDRESS: bus.address },
    processes: { bus: bus.process, keyring: keyring.process },
    async restartKeyring() {
      await keyring.stop();
      keyring = await startGnomeKeyring({ address: bus.address, password: options.password, dataDir });
      handle.processes.keyring = keyring.process;
    },
    async stop() {
      await keyring.stop();
      await bus.stop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/**
 * What the starters of a real Secret Service server (startGnomeKeyring, startKWallet, startKeePassXC) share: the
 * options each takes, what each gives back, and the throwaway HOME each runs in. Each adds what is its own (a display,
 * a wallet or database path).
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSocketRoom, scratchFolder } from './scratch.js';

export interface ProviderStartOptions {
  /** The bus to serve on. */
  address: string;
  /** The password of its keyring, wallet or database (created with it when new). Default: `DEFAULT_KEYRING_PASSWORD`. */
  password?: string | Uint8Array;
  /** Where its data and settings are kept (kept after stop()); default a temporary directory removed by stop(). */
  dataDir?: string;
  /**
   * Milliseconds to wait for each start until the server serves (default 15000 for gnome-keyring, 60000 for KWallet
   * and KeePassXC: GUI programs, maybe under load).
   */
  startTimeoutMs?: number;
  /** Called with each program it spawns as soon as it is spawned, each time (e.g. to hand it to a watchdog). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface RunningProvider {
  /** The server's process. */
  process: ChildProcess;
  /** The environment it runs with (HOME and XDG directories, and DISPLAY for the GUI programs). */
  env: Record<string, string>;
  /** The end of what it wrote to stdout and stderr (its warnings, and why it failed or exited if it did). */
  output(): string;
  stop(): Promise<void>;
}

/** A server's HOME with the XDG directories it writes to, and how to remove it when it was made for this run. */
export interface ProviderHome {
  home: string;
  /** HOME and the XDG_*_HOME / XDG_RUNTIME_DIR variables, for the server's environment. */
  env: Record<string, string>;
  /** Removes the directory if it was a temporary one (a given `dataDir` is kept). */
  remove(): Promise<void>;
}

/**
 * `dataDir`, or a new temporary directory named after `prefix`, with its data, config, cache and runtime directories
 * created (the runtime one private, as XDG_RUNTIME_DIR must be).
 */
export async function providerHome(dataDir: string | undefined, prefix: string): Promise<ProviderHome> {
  if (dataDir !== undefined) assertSocketRoom(dataDir, 'run/keyring/control', 'dataDir');
  const home = dataDir ?? (await scratchFolder(`${prefix}-`));
  const remove = async () => {
    if (dataDir === undefined) await rm(home, { recursive: true, force: true });
  };
  const env: Record<string, string> = {
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_RUNTIME_DIR: join(home, 'run'),
  };
  try {
    for (const dir of Object.values(env)) await mkdir(dir, { recursive: true });
    await chmod(env.XDG_RUNTIME_DIR, 0o700);
  } catch (error) {
    await remove();
    throw error;
  }
  return { home, env, remove };
}

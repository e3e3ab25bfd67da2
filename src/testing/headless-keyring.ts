/** A private session bus with an unlocked gnome-keyring on it: a working Secret Service for tests, CI and headless use. */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startGnomeKeyring, type GnomeKeyring } from './gnome-keyring.js';
import { scratchFolder } from './scratch.js';
import { startPrivateBus, type PrivateBus } from './private-bus.js';
import { NoBackendError } from '../errors.js';
import { startWatchdog } from './watchdog.js';

export interface HeadlessKeyringOptions {
  /** The login keyring's password: a new keyring is created with it, a kept one unlocked. Default `secretstorage`. */
  password?: string | Uint8Array;
  /** Keep keyrings in this directory across runs (default: throwaway). */
  dataDir?: string;
  /** Also expose the bus on 127.0.0.1 TCP, to this user only (DBUS_COOKIE_SHA1 authentication). */
  tcp?: boolean;
  /**
   * UNSAFE: the TCP listener lets anyone in without authentication (ANONYMOUS): every user of the machine, and every
   * container sharing its network namespace, can read and change every secret in the keyring. For a keyring inside a
   * container of its own only. See `startPrivateBus`.
   */
  unsafeAnonymousTcp?: boolean;
  /**
   * Start gnome-keyring-daemon again, on the same bus and data, when it exits without being asked to (as systemd
   * does on a desktop): gnome-keyring aborts on some races between its clients, and a long CI job should not lose
   * its keyring to one. Default false: a test usually wants to see the keyring gone.
   */
  restartKeyringOnExit?: boolean;
  /** Called when gnome-keyring-daemon exits without being asked to (whether or not it is restarted). */
  onKeyringExit?: (exit: KeyringExit) => void;
}

/** gnome-keyring-daemon exiting without stop() or restartKeyring() asking it to. */
export interface KeyringExit {
  /** `signal SIGTRAP`, `code 1`, … */
  reason: string;
  /** The end of what the daemon wrote to stderr: GLib prints why it aborted there. */
  output: string;
  /** Whether it is being started again (`restartKeyringOnExit`, after a crash: not after a clean exit, code 0). */
  restarting: boolean;
  /**
   * With `restartKeyringOnExit`, why it is not started again: a clean exit (stopped from outside, or its bus went
   * away), its bus gone, or a crash loop (it had been started again 5 times within the last minute: something keeps
   * breaking it, not a passing race).
   */
  notRestarted?: 'clean exit' | 'bus gone' | 'crash loop';
  /**
   * When restarting: resolves once the daemon serves again, or rejects with why it could not be started (tried three
   * times over a few seconds).
   */
  restarted?: Promise<void>;
}

/** Pauses before each attempt at starting a crashed daemon again. */
const RESTART_DELAYS_MS = [0, 500, 2000];
/** A daemon that has been started again this many times within this window is left dead the next time it dies. */
export const CRASH_LOOP: { readonly restarts: number; readonly withinMs: number } = Object.freeze({
  restarts: 5,
  withinMs: 60_000,
});

export interface HeadlessKeyring {
  /** The bus address (`unix:path=…`). */
  address: string;
  /** The TCP address when `tcp` was asked for. */
  tcpAddress?: string;
  /** Environment for a child process: `DBUS_SESSION_BUS_ADDRESS`. */
  env: Record<string, string>;
  /**
   * A private directory (mode 0700) that lives as long as the keyring: the bus's, beside its socket. stop() removes
   * it, and so does the watchdog if this process dies first.
   */
  directory: string;
  /** The daemons, for tests that kill and restart them. */
  processes: { bus: ChildProcess; keyring: ChildProcess };
  /** Also ends `child` (SIGTERM, then SIGKILL) if this process dies without calling stop(). */
  adopt(child: ChildProcess): void;
  /** Restarts gnome-keyring-daemon on the same bus and data (what a crash and a restart look like to clients). */
  restartKeyring(): Promise<void>;
  /** Each time gnome-keyring-daemon exited without being asked to, in order. */
  keyringExits: KeyringExit[];
  /**
   * Resolves once no restart is under way (after `restartKeyringOnExit` brought the daemon back). A restart begins
   * when the daemon's exit is noticed (its `exit` event), not when a signal is sent to it.
   * @throws what the restart failed with; with `restartKeyringOnExit`, NoBackendError once the daemon was left dead
   *   (a crash loop, or its bus gone), until restartKeyring() starts it again.
   */
  keyringReady(): Promise<void>;
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
    const directory = await scratchFolder(prefix);
    throwaway.push(directory);
    watchdog.removeOnDeath(directory);
    return directory;
  };
  const removeThrowaway = () =>
    Promise.all(throwaway.map((directory) => rm(directory, { recursive: true, force: true })));
  let bus: PrivateBus | undefined;
  let keyring: GnomeKeyring | undefined;
  // Restarts unlock the kept keyring with the password again: a copy, which the caller may not wipe under us.
  const password = options.password instanceof Uint8Array ? Uint8Array.from(options.password) : options.password;
  const startKeyring = async (busAddress: string, home: string) =>
    startGnomeKeyring({ address: busAddress, password, dataDir: home, onSpawn: watchdog.guard });
  try {
    bus = await startPrivateBus({
      tcp: options.tcp,
      unsafeAnonymousTcp: options.unsafeAnonymousTcp,
      directory: await makeTemporary('secretstorage-bus-'),
      onSpawn: watchdog.guard,
    });
    const home = dataDir ?? (await makeTemporary('secretstorage-keyring-'));
    keyring = await startKeyring(bus.address, home);
    const running = { bus, keyring, home };
    /** Daemons this process asked to stop: their exits are not reported. */
    const asked = new WeakSet<GnomeKeyring>();
    /** The restart under way, if any (restarts and stop() wait for it). */
    let ready: Promise<void> = Promise.resolve();
    let stopped: Promise<void> | undefined;
    /** When crashed daemons were started again, for telling a crash loop from a crash. */
    const restartTimes: number[] = [];
    const busAlive = () => running.bus.process.exitCode === null && running.bus.process.signalCode === null;
    const replaceKeyring = async () => {
      if (stopped) throw new NoBackendError('The headless keyring was stopped; start a new one.');
      asked.add(running.keyring);
      await running.keyring.stop();
      running.keyring = await startKeyring(running.bus.address, running.home);
      handle.processes.keyring = running.keyring.process;
      watch(running.keyring);
    };
    /** After a crash: a few tries, since what crashed it may still be going on. */
    const startAgain = async () => {
      let failure: unknown;
      for (const delay of RESTART_DELAYS_MS) {
        if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
        if (stopped || !busAlive()) break;
        try {
          return await replaceKeyring();
        } catch (error) {
          failure = error;
        }
      }
      throw failure ?? new NoBackendError('The headless keyring was stopped, or its bus went away, before a restart.');
    };
    const watch = (daemon: GnomeKeyring) => {
      daemon.process.once('exit', (code, signal) => {
        if (asked.has(daemon) || stopped) return;
        // A clean exit (code 0) is gnome-keyring leaving a bus that went away, or being stopped or replaced on
        // purpose: nothing to restart.
        const now = Date.now();
        while (restartTimes.length && now - restartTimes[0] >= CRASH_LOOP.withinMs) restartTimes.shift();
        const recentRestarts = restartTimes.length;
        const notRestarted =
          signal === null && code === 0
            ? 'clean exit'
            : !busAlive()
              ? 'bus gone'
              : recentRestarts >= CRASH_LOOP.restarts
                ? 'crash loop'
                : undefined;
        const restarting = options.restartKeyringOnExit === true && notRestarted === undefined;
        const exit: KeyringExit = {
          reason: signal ? `signal ${signal}` : `code ${code}`,
          output: daemon.output(),
          restarting,
          ...(options.restartKeyringOnExit && notRestarted ? { notRestarted } : {}),
        };
        if (options.restartKeyringOnExit && (notRestarted === 'crash loop' || notRestarted === 'bus gone')) {
          // Left dead: keyringReady() says so instead of resolving over a daemon that is not there. Chained after
          // whatever restart is under way, so that stop() still waits for it.
          const leftDead = new NoBackendError(
            notRestarted === 'crash loop'
              ? `gnome-keyring-daemon exited (${exit.reason}) after ${recentRestarts} restarts within ` +
                  `${CRASH_LOOP.withinMs / 1000} s and was not started again (a crash loop; its output is in ` +
                  'keyringExits). restartKeyring() starts it again.'
              : `gnome-keyring-daemon exited (${exit.reason}) because its private bus went away; ` +
                  'start a new headless keyring.',
          );
          const down = ready
            .catch(() => undefined)
            .then(() => {
              throw leftDead;
            });
          down.catch(() => undefined); // reported through keyringReady()
          ready = down;
        }
        if (restarting) {
          restartTimes.push(now);
          const restarted = ready.catch(() => undefined).then(startAgain);
          restarted.catch(() => undefined); // reported through exit.restarted and keyringReady()
          ready = restarted;
          exit.restarted = restarted;
        }
        handle.keyringExits.push(exit);
        options.onKeyringExit?.(exit);
      });
    };
    const handle: HeadlessKeyring = {
      address: bus.address,
      ...(bus.tcpAddress ? { tcpAddress: bus.tcpAddress } : {}),
      env: { DBUS_SESSION_BUS_ADDRESS: bus.address },
      directory: bus.directory,
      processes: { bus: bus.process, keyring: keyring.process },
      adopt: (child) => watchdog.guard(child),
      keyringExits: [],
      keyringReady: () => ready,
      restartKeyring() {
        ready = ready.catch(() => undefined).then(replaceKeyring);
        return ready;
      },
      stop() {
        stopped ??= (async () => {
          await ready.catch(() => undefined);
          asked.add(running.keyring);
          await running.keyring.stop();
          await running.bus.stop();
          await removeThrowaway();
          if (password instanceof Uint8Array) password.fill(0);
          watchdog.disarm();
        })();
        return stopped;
      },
    };
    watch(keyring);
    return handle;
  } catch (error) {
    await keyring?.stop();
    await bus?.stop();
    await removeThrowaway();
    if (password instanceof Uint8Array) password.fill(0);
    watchdog.disarm();
    throw error;
  }
}

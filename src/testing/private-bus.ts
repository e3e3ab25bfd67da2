/**
 * A private `dbus-daemon` for tests and headless runs: its own config, a Unix socket in a temporary directory and,
 * if asked, a TCP listener on 127.0.0.1. Only the user who started it can connect: EXTERNAL on the socket (in a
 * directory of that user's alone), DBUS_COOKIE_SHA1 over TCP (a secret cookie in that user's `~/.dbus-keyrings`, which
 * libdbus keeps private to them). ANONYMOUS only with `unsafeAnonymousTcp`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NoBackendError } from '../errors.js';
import { escapeAddressValue } from '../dbus/address.js';
import { assertSocketRoom, scratchFolder } from './scratch.js';
import { missingProgramError } from './programs.js';

export interface PrivateBusOptions {
  /**
   * Also listen on 127.0.0.1 (a free port), with DBUS_COOKIE_SHA1 authentication: only processes of this user (who
   * can read `~/.dbus-keyrings`) get in.
   */
  tcp?: boolean;
  /**
   * UNSAFE: let anyone who can reach the TCP port in without authentication (ANONYMOUS), as a throwaway container's
   * bus does. Every user of this machine, and every container sharing its network namespace, can then read and change
   * every secret on the bus. Only for a bus inside a container of its own that nothing else shares.
   */
  unsafeAnonymousTcp?: boolean;
  /** Directory for the socket and config (default: a new temporary directory, removed by stop()). */
  directory?: string;
  /** Called with the daemon as soon as it is spawned (e.g. to hand it to a watchdog). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface PrivateBus {
  /** The Unix socket address (`unix:path=…`). */
  address: string;
  /** The TCP address (`tcp:host=127.0.0.1,port=…`) when `tcp` was asked for. */
  tcpAddress?: string;
  directory: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** How long dbus-daemon may take to print its address (it takes milliseconds). */
const START_TIMEOUT_MS = 30_000;

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Starts `dbus-daemon` with a private configuration.
 * @throws NoBackendError naming the package to install when dbus-daemon is missing.
 */
export async function startPrivateBus(options: PrivateBusOptions = {}): Promise<PrivateBus> {
  const ownDirectory = options.directory === undefined;
  if (options.directory !== undefined) assertSocketRoom(options.directory, 'bus', 'directory');
  const directory = options.directory ?? (await scratchFolder('secretstorage-bus-'));
  const socket = join(directory, 'bus');
  const config = join(directory, 'bus.conf');
  if (options.unsafeAnonymousTcp && !options.tcp) {
    throw new InvalidArgumentError('unsafeAnonymousTcp', 'applies to the TCP listener only: set tcp: true as well.');
  }
  const anonymous = options.tcp === true && options.unsafeAnonymousTcp === true;
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${xmlEscape(escapeAddressValue(socket))}</listen>
  ${options.tcp ? '<listen>tcp:host=127.0.0.1,bind=127.0.0.1,port=0,family=ipv4</listen>' : ''}
  <auth>EXTERNAL</auth>
  ${options.tcp ? '<auth>DBUS_COOKIE_SHA1</auth>' : ''}
  ${anonymous ? '<auth>ANONYMOUS</auth>\n  <allow_anonymous/>' : ''}
  <!-- session.conf's limits: the built-in ones (128 pending replies per connection) are the system bus's. -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    ${anonymous ? '<allow user="*"/>' : '<!-- No <allow user="*"/>: only the uid running the daemon may connect. -->'}
  </policy>
</busconfig>
`,
  );
  // Its own session: a Ctrl-C meant for a command running on this bus must not take the bus down under it.
  const child = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  options.onSpawn?.(child);
  let startTimer: NodeJS.Timeout | undefined;
  const printed = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    // A dbus-daemon that neither listens nor exits (a wrapper that hangs, a stuck file system) is given up on.
    startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new NoBackendError(`dbus-daemon did not start listening within ${START_TIMEOUT_MS / 1000} s: ${err.trim()}`),
      );
    }, START_TIMEOUT_MS);
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? missingProgramError('dbus-daemon') : error),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) =>
      reject(new NoBackendError(`dbus-daemon exited (code ${code}) before listening: ${err.trim()}`)),
    );
  })
    .catch(async (error) => {
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
      throw error;
    })
    .finally(() => clearTimeout(startTimer));
  child.stdout!.resume();
  child.stderr!.resume();
  const tcpAddress = printed
    .split(';')
    .find((entry) => entry.startsWith('tcp:'))
    ?.replace(/,guid=[0-9a-f]+/, '');
  let stopped: Promise<void> | undefined;
  return {
    address: `unix:path=${escapeAddressValue(socket)}`,
    ...(tcpAddress ? { tcpAddress } : {}),
    directory,
    process: child,
    stop() {
      stopped ??= (async () => {
        await stopProcess(child);
        if (ownDirectory) await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

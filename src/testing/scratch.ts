/**
 * Throwaway folders for private buses and keyrings: under `$TMPDIR` (made absolute, so that a relative TMPDIR still
 * names the same folder after the command changes directory), or under /tmp when TMPDIR is too long for the Unix
 * sockets the daemons create in them.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** The longest socket path libdbus listens on (its `_DBUS_MAX_SUN_PATH_LENGTH`); the kernel takes 107 bytes. */
const MAX_SOCKET_PATH_BYTES = 99;
/** What the daemons add under a throwaway folder, at most: gnome-keyring's control socket, `run/keyring/control`. */
const LONGEST_SOCKET = '/run/keyring/control';
/** What mkdtemp adds to a prefix. */
const RANDOM_SUFFIX = 6;

/**
 * Throws unless a socket `suffix` under `folder` fits a Unix socket path, naming what to shorten.
 * @throws InvalidArgumentError naming `option`.
 */
export function assertSocketRoom(folder: string, suffix: string, option: string): void {
  const bytes = Buffer.byteLength(join(folder, suffix));
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new InvalidArgumentError(
      option,
      `is too long for the Unix socket ${join(folder, suffix)} (${bytes} bytes; sockets take at most ` +
        `${MAX_SOCKET_PATH_BYTES}): use a shorter path.`,
    );
  }
}

/**
 * A new private folder named after `prefix` under `$TMPDIR`, or under /tmp when `$TMPDIR` leaves no room for the
 * daemons' sockets.
 * @throws InvalidArgumentError when neither has room; mkdtemp's error when the folder cannot be created.
 */
export async function scratchFolder(prefix: string): Promise<string> {
  const longest = (base: string) => Buffer.byteLength(join(base, prefix)) + RANDOM_SUFFIX + LONGEST_SOCKET.length;
  let base = resolve(tmpdir());
  if (longest(base) > MAX_SOCKET_PATH_BYTES) {
    if (longest('/tmp') > MAX_SOCKET_PATH_BYTES) {
      throw new InvalidArgumentError('TMPDIR', 'leaves no room for a Unix socket path.');
    }
    base = '/tmp'; // TMPDIR is too long for the sockets (a build sandbox's): /tmp then, which every Linux has
  }
  return mkdtemp(join(base, prefix));
}

/**
 * Random bytes for DH private keys and temporary file names, read from the kernel's CSPRNG (`/dev/urandom`,
 * where OpenSSL's own generator is seeded from) rather than through node:crypto: the key pair of a process's first
 * session is made before node:crypto is loaded, so that loading it overlaps the service's half of the exchange (see
 * ../session.ts). The Secret Service lives on D-Bus, so on Linux and the BSDs, which all have the device.
 */
import { nodeFs } from '../node-fs.js';
import { SecretStorageError } from '../errors.js';
import { wipe } from './bytes.js';

const DEVICE = '/dev/urandom';

/** `length` random bytes. @throws SecretStorageError when /dev/urandom cannot be read (a sandbox without /dev). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let fd: number;
  try {
    fd = nodeFs().openSync(DEVICE, 'r');
  } catch (error) {
    throw new SecretStorageError(
      `No random bytes: ${DEVICE} cannot be opened (${(error as NodeJS.ErrnoException).code}). ` +
        'Run where /dev is mounted (containers and sandboxes normally provide /dev/urandom).',
    );
  }
  try {
    for (let filled = 0; filled < length;) {
      const read = nodeFs().readSync(fd, bytes, filled, length - filled, null);
      if (read === 0) throw new SecretStorageError(`No random bytes: ${DEVICE} ended.`);
      filled += read;
    }
  } catch (error) {
    wipe(bytes);
    throw error;
  } finally {
    nodeFs().closeSync(fd);
  }
  return bytes;
}

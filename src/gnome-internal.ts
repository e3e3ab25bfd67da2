/**
 * gnome-keyring's `org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface` (also served by oo7-daemon): create
 * and unlock collections with a password instead of a prompt, which is the only way to do so without a desktop.
 * The password travels as a secret struct of the connection's (encrypted) session.
 */
import type { Connection } from './connection.js';
import { variant } from './dbus/codec.js';
import { COLLECTION_IFACE, GNOME_INTERNAL_IFACE, SERVICE_PATH } from './defines.js';
import { SecretStorageError } from './errors.js';
import { assertLabel, assertObjectPath, secretToBytes } from './validate.js';

const UNSUPPORTED = new Set([
  'org.freedesktop.DBus.Error.UnknownMethod',
  'org.freedesktop.DBus.Error.UnknownInterface',
  'org.freedesktop.DBus.Error.UnknownObject',
]);

async function callWithPassword(
  connection: Connection,
  member: string,
  signature: string,
  args: (sessionPath: string, password: unknown) => unknown[],
  replySignature: string,
  password: string | Uint8Array,
): Promise<unknown[]> {
  const { bytes } = secretToBytes(password, 'password');
  try {
    return await connection.withSession(async (session) => {
      const struct = session.encode(bytes, 'text/plain');
      try {
        return await connection.call(
          SERVICE_PATH,
          GNOME_INTERNAL_IFACE,
          member,
          signature,
          args(session.path, struct),
          {
            replySignature,
          },
        );
      } finally {
        if (!session.encrypted) struct[2].fill(0);
      }
    });
  } catch (error) {
    if (error instanceof SecretStorageError && error.dbusName && UNSUPPORTED.has(error.dbusName)) {
      throw new SecretStorageError(
        `${connection.serviceName} does not offer password unlocking (gnome-keyring's ${GNOME_INTERNAL_IFACE}, also in ` +
          "oo7-daemon). Unlock through the service's own prompt with unlock() instead.",
        { dbusName: error.dbusName, cause: error },
      );
    }
    if (error instanceof SecretStorageError && error.dbusName === 'org.gnome.keyring.Error.Denied') {
      throw new SecretStorageError('The keyring refused the password.', { dbusName: error.dbusName });
    }
    throw error;
  } finally {
    if (typeof password === 'string') bytes.fill(0);
  }
}

/**
 * Unlocks a collection with its password, without a prompt.
 * @throws SecretStorageError when the service lacks the interface or refuses the password.
 */
export async function unlockWithPassword(
  connection: Connection,
  collectionPath: string,
  password: string | Uint8Array,
): Promise<void> {
  assertObjectPath('collectionPath', collectionPath);
  await callWithPassword(
    connection,
    'UnlockWithMasterPassword',
    'o(oayays)',
    (_, struct) => [collectionPath, struct],
    '',
    password,
  );
}

/**
 * Creates a collection protected by `password`, without a prompt; returns its object path.
 * @throws SecretStorageError when the service lacks the interface.
 */
export async function createCollectionWithPassword(
  connection: Connection,
  label: string,
  password: string | Uint8Array,
): Promise<string> {
  assertLabel(label);
  const [path] = await callWithPassword(
    connection,
    'CreateWithMasterPassword',
    'a{sv}(oayays)',
    (_, struct) => [{ [`${COLLECTION_IFACE}.Label`]: variant('s', label) }, struct],
    'o',
    password,
  );
  return path as string;
}

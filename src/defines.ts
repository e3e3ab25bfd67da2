/** Names and paths of the Secret Service API (spec 0.2) and the transfer algorithms. */

export const SECRETS_BUS_NAME = 'org.freedesktop.secrets';
export const SERVICE_PATH = '/org/freedesktop/secrets';
export const ALIAS_PREFIX = '/org/freedesktop/secrets/aliases/';
export const SESSION_COLLECTION_PATH = '/org/freedesktop/secrets/collection/session';

export const SERVICE_IFACE = 'org.freedesktop.Secret.Service';
export const COLLECTION_IFACE = 'org.freedesktop.Secret.Collection';
export const ITEM_IFACE = 'org.freedesktop.Secret.Item';
export const SESSION_IFACE = 'org.freedesktop.Secret.Session';
export const PROMPT_IFACE = 'org.freedesktop.Secret.Prompt';
export const PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties';
export const GNOME_INTERNAL_IFACE = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface';

export { BUS_NAME as DBUS_NAME, BUS_PATH as DBUS_PATH } from './dbus/names.js';

export const ALGORITHM_PLAIN = 'plain';
export const ALGORITHM_DH = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';

/** The object path that means "no object" and "no prompt". */
export const NO_OBJECT = '/';

export const CONTENT_TYPE_TEXT = 'text/plain';
export const CONTENT_TYPE_BINARY = 'application/octet-stream';

/** D-Bus error names that SecretStorage (and this library) read as "that object does not exist". */
export const NOT_FOUND_ERRORS = new Set([
  'org.freedesktop.DBus.Error.UnknownMethod',
  'org.freedesktop.DBus.Error.UnknownObject',
  'org.freedesktop.Secret.Error.NoSuchObject',
  'org.freedesktop.DBus.Error.UnknownInterface',
]);

/** D-Bus error names that mean nothing provides the Secret Service. */
export const NO_SERVICE_ERRORS = new Set([
  'org.freedesktop.DBus.Error.ServiceUnknown',
  'org.freedesktop.DBus.Error.Spawn.ExecFailed',
  'org.freedesktop.DBus.Error.Spawn.ChildExited',
  'org.freedesktop.DBus.Error.Spawn.ServiceNotFound',
  'org.freedesktop.DBus.Error.NoReply',
  'org.freedesktop.DBus.Error.NameHasNoOwner',
  'org.freedesktop.DBus.Error.Disconnected',
]);

export const IS_LOCKED_ERROR = 'org.freedesktop.Secret.Error.IsLocked';
export const NO_SESSION_ERROR = 'org.freedesktop.Secret.Error.NoSession';
export const NOT_SUPPORTED_ERROR = 'org.freedesktop.DBus.Error.NotSupported';

/**
 * The way out when there is no Secret Service at all, named beside `secretstorage headless` in every NoBackendError:
 * a keyring file in libsecret's and oo7's format, chosen explicitly (docs/keyring-file.md).
 */
export const FILE_BACKEND_HINT =
  "With no Secret Service at all, an encrypted keyring file (libsecret's and oo7's format) works too: set " +
  'SECRETSTORAGE_BACKEND=file and SECRETSTORAGE_FILE_PASSWORD (docs/keyring-file.md).';
/** What KWallet answers a Lock of a collection it already reports locked with ("Can't lock object"). */
export const INVALID_ARGS_ERROR = 'org.freedesktop.DBus.Error.InvalidArgs';
/** How KWallet (through QtDBus) says it does not know an object path it was given, a session's among them. */
export const QT_INVALID_OBJECT_PATH_ERROR = 'org.qtproject.QtDBus.Error.InvalidObjectPath';

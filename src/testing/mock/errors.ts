/** The D-Bus errors the mock answers with, named as the real servers name them (see the reference notes, §1.7). */

export const DBusErrors = {
  unknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  unknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  invalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  notSupported: 'org.freedesktop.DBus.Error.NotSupported',
  failed: 'org.freedesktop.DBus.Error.Failed',
} as const;

export const SecretErrors = {
  isLocked: 'org.freedesktop.Secret.Error.IsLocked',
  noSession: 'org.freedesktop.Secret.Error.NoSession',
  noSuchObject: 'org.freedesktop.Secret.Error.NoSuchObject',
} as const;

/** gnome-keyring's answer to a wrong master password. */
export const GNOME_DENIED = 'org.gnome.keyring.Error.Denied';

/** Thrown by a method implementation; the dispatcher turns it into an error reply. */
export class ServiceError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

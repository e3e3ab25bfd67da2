// @ts-check
/** The messages the profile sends and decodes, in src/dbus's own terms. */

export const METHOD_CALL = 1;
export const METHOD_RETURN = 2;
export const ERROR = 3;
export const SESSION_PATH = '/org/freedesktop/secrets/session/s1';
export const ITEM_PATH = '/org/freedesktop/secrets/collection/login/42';

/** The floor's call: Properties.Get of the service's Collections, answered without touching any secret. */
export const PROPERTIES_GET = {
  type: METHOD_CALL,
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.DBus.Properties',
  member: 'Get',
  signature: 'ss',
  body: ['org.freedesktop.Secret.Service', 'Collections'],
};

/** The item every round-trip and warm-up measurement reads. */
export const PROFILE_ATTRIBUTES = { service: 'bench-profile', username: 'user' };

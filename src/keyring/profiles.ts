/**
 * Attribute profiles: the exact attributes, label and lookup rules of the tools whose passwords this API reads and
 * writes (keytar through libsecret's generic schema, Python keyring's SecretService backend, keyring-rs v4 and
 * @napi-rs/keyring ≥1.3). Facts from each tool's source, cited in docs/password-api.md's interop section.
 */
import { InvalidArgumentError } from '../errors.js';

/** libsecret's generic schema name, which libsecret adds to every store and search made with that schema. */
export const GENERIC_SCHEMA = 'org.freedesktop.Secret.Generic';
export const XDG_SCHEMA = 'xdg:schema';
/** What Python keyring's SecretService backend writes as `application`. */
export const PYTHON_KEYRING_APPLICATION = 'Python keyring library';

export type ProfileName = 'keytar' | 'python-keyring' | 'keyring-rs';

/** Where the tool of a profile looks for an item before reading or overwriting it. */
export type LookupScope = 'all-collections' | 'target-collection';

export interface AttributeProfile {
  readonly name: ProfileName;
  /** The attribute naming the user: `account` for keytar, `username` for the keyring family. */
  readonly userAttribute: 'account' | 'username';
  /** keytar and keyring-rs search every collection; Python keyring only its (default) collection. */
  readonly lookupScope: LookupScope;
  /** Exactly the attributes the tool writes. */
  writeAttributes(service: string, username: string): Record<string, string>;
  /** Exactly the attributes the tool searches with when it reads (a subset of what it writes). */
  lookupAttributes(service: string, username?: string): Record<string, string>;
  /** The label the tool gives a new item. */
  label(service: string, username: string): string;
  /** The content type the tool stores the password with. */
  readonly contentType: 'text/plain' | 'application/octet-stream';
}

const keytar: AttributeProfile = {
  name: 'keytar',
  userAttribute: 'account',
  lookupScope: 'all-collections',
  writeAttributes: (service, account) => ({ service, account, [XDG_SCHEMA]: GENERIC_SCHEMA }),
  lookupAttributes: (service, account) => ({
    service,
    ...(account === undefined ? {} : { account }),
    [XDG_SCHEMA]: GENERIC_SCHEMA,
  }),
  label: (service, account) => `${service}/${account}`,
  contentType: 'text/plain', // libsecret's secret_password_store
};

const pythonKeyring: AttributeProfile = {
  name: 'python-keyring',
  userAttribute: 'username',
  lookupScope: 'target-collection',
  writeAttributes: (service, username) => ({ username, service, application: PYTHON_KEYRING_APPLICATION }),
  lookupAttributes: (service, username) => ({ ...(username === undefined ? {} : { username }), service }),
  label: (service, username) => `Password for '${username}' on '${service}'`,
  contentType: 'text/plain', // SecretStorage's create_item default
};

const keyringRs: AttributeProfile = {
  name: 'keyring-rs',
  userAttribute: 'username',
  lookupScope: 'all-collections',
  writeAttributes: (service, username) => ({ service, username }),
  lookupAttributes: (service, username) => ({ service, ...(username === undefined ? {} : { username }) }),
  label: (service, username) => `keyring:${username}@${service}`,
  contentType: 'application/octet-stream', // keyring-rs's dbus-secret-service create_item
};

export const PROFILES: Readonly<Record<ProfileName, AttributeProfile>> = {
  keytar,
  'python-keyring': pythonKeyring,
  'keyring-rs': keyringRs,
};

/**
 * The profile writes use unless told otherwise. Python keyring's items are the only ones that every tool of the
 * "keyring" family both reads and overwrites in place: Python keyring replaces them (same attributes), keyring-rs v4
 * and @napi-rs/keyring update the unique `{service, username}` match. A keyring-rs item, by contrast, makes Python
 * keyring add a second item next to it.
 */
export const DEFAULT_PROFILE: ProfileName = 'python-keyring';

/**
 * The profile called `name` (default {@link DEFAULT_PROFILE}).
 * @throws InvalidArgumentError for an unknown name.
 */
export function resolveProfile(name: unknown = DEFAULT_PROFILE): AttributeProfile {
  if (typeof name === 'string' && Object.hasOwn(PROFILES, name)) return PROFILES[name as ProfileName];
  throw new InvalidArgumentError(
    'profile',
    `${JSON.stringify(name)} is not an attribute profile; use one of ${Object.keys(PROFILES).join(', ')}.`,
  );
}

/** The user name an item stores, whichever family wrote it. */
export function usernameOf(attributes: Record<string, string>, profile: AttributeProfile): string | undefined {
  const other = profile.userAttribute === 'account' ? 'username' : 'account';
  return attributes[profile.userAttribute] ?? attributes[other];
}

/**
 * Whether the tool that reads items like this one would read it for `username`. The keyring family (Python keyring,
 * keyring-rs) searches `service` and `username` whatever else an item holds. keytar searches `service` and `account`
 * through libsecret's generic schema, so an `account` item under another `xdg:schema` is another application's
 * (gnome-keyring gives items stored without a schema the generic one; other servers may give none).
 */
export function isReadByItsTool(attributes: Record<string, string>, username: string): boolean {
  if (attributes.username === username) return true;
  const schema = attributes[XDG_SCHEMA];
  return schema === undefined || schema === GENERIC_SCHEMA;
}

/**
 * True when `attributes` are exactly what `profile` writes for this service and user. gnome-keyring adds
 * `xdg:schema=org.freedesktop.Secret.Generic` to items stored without a schema, so that one is ignored.
 */
export function isExactlyProfile(
  read: Record<string, string>,
  profile: AttributeProfile,
  service: string,
  username: string,
): boolean {
  const attributes = withoutEntryFields(read);
  const expected = profile.writeAttributes(service, username);
  const keys = Object.keys(attributes).filter(
    (key) => !(key === XDG_SCHEMA && attributes[key] === GENERIC_SCHEMA && !(XDG_SCHEMA in expected)),
  );
  return keys.length === Object.keys(expected).length && keys.every((key) => attributes[key] === expected[key]);
}

/** The fields of a KeePassXC entry, which KeePassXC reports as attributes of every item it serves. */
const KEEPASSXC_ENTRY_FIELDS = ['Title', 'UserName', 'URL', 'Notes', 'Path', 'Uuid'] as const;
/** Where KeePassXC keeps a secret's content type when it is not text/plain. */
const KEEPASSXC_CONTENT_TYPE = 'FDO_SECRETS_CONTENT_TYPE';

/**
 * An item's attributes without KeePassXC's entry fields: on KeePassXC every item has them (its own `Uuid` among them),
 * so two copies of one tool's item would never look identical. Only an item that has all six is treated so, which
 * no tool this API knows writes; an item with only some of them keeps them.
 */
export function withoutEntryFields(attributes: Record<string, string>): Record<string, string> {
  if (!KEEPASSXC_ENTRY_FIELDS.every((field) => field in attributes)) return attributes;
  const own = { ...attributes };
  for (const field of [...KEEPASSXC_ENTRY_FIELDS, KEEPASSXC_CONTENT_TYPE]) delete own[field];
  return own;
}

/**
 * What git-credential-libsecret (git's contrib/credential/libsecret, as Debian's git 2.39 ships it) stores: libsecret's
 * compatibility schema `org.gnome.keyring.NetworkPassword`, the attributes `user`, `protocol`, `server`, `port` and
 * `object` for the fields that are set, and the label `Git: protocol://host[:port]/path`. Searches and deletions match
 * the attributes without the schema name (the schema has SECRET_SCHEMA_DONT_MATCH_NAME); libsecret adds
 * `xdg:schema` when it stores. Checked against that program by test/integration/git-credential.test.ts.
 */
import type { GitCredential } from './protocol.js';

export const NETWORK_PASSWORD_SCHEMA = 'org.gnome.keyring.NetworkPassword';

/** The attributes of a credential, as make_attr_list builds them (only the fields that are set; port when not 0). */
export function credentialAttributes(credential: GitCredential): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (credential.username !== undefined) attributes.user = credential.username;
  if (credential.protocol !== undefined) attributes.protocol = credential.protocol;
  if (credential.host !== undefined) attributes.server = credential.host;
  if (credential.port) attributes.port = String(credential.port);
  if (credential.path !== undefined) attributes.object = credential.path;
  return attributes;
}

/** The attributes an item is stored with: the search attributes plus the schema name, as libsecret adds it. */
export function storedAttributes(credential: GitCredential): Record<string, string> {
  return { ...credentialAttributes(credential), 'xdg:schema': NETWORK_PASSWORD_SCHEMA };
}

/** The item's label, as make_label builds it. */
export function credentialLabel(credential: GitCredential): string {
  const port = credential.port ? `:${credential.port}` : '';
  // A missing host prints as C's printf prints a NULL string.
  return `Git: ${credential.protocol}://${credential.host ?? '(null)'}${port}/${credential.path ?? ''}`;
}

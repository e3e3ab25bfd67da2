/**
 * The three operations of git's credential helper protocol over the Secret Service, storing exactly what
 * git-credential-libsecret stores (libsecret-format.ts), so that switching between the two keeps every saved login.
 * Each refuses the same incomplete input that program refuses, and answers `get` the same way.
 */
import { clearSecrets, lookupItem, storeSecret, type AttributeOptions } from '../keyring/attribute-items.js';
import { contentTypeFor } from '../validate.js';
import { credentialAttributes, credentialLabel, storedAttributes } from './libsecret-format.js';
import { answerFromSecret, secretOf, type CredentialAnswer, type GitCredential } from './protocol.js';

/** What an operation did: `refused` is git-credential-libsecret's silent failure for input it cannot use. */
export type HelperOutcome = { status: 'refused'; reason: string } | { status: 'done'; answer?: CredentialAnswer };

/**
 * `get`: the login stored for the protocol, host (and port, path, user when given), as `{ username, password }` with
 * the password's bytes as stored, and the expiry and OAuth refresh token stored with it; the username given is
 * echoed when nothing is stored, as git-credential-libsecret does.
 * Refused without a protocol, or without both host and path.
 * @throws NoBackendError, LockedException, TimeoutException.
 */
export async function getGitCredential(
  credential: GitCredential,
  options: AttributeOptions = {},
): Promise<HelperOutcome> {
  const { protocol, host, path } = credential;
  // Present but empty counts as given, as in git-credential-libsecret (it tests for NULL).
  if (protocol === undefined || (host === undefined && path === undefined)) {
    return { status: 'refused', reason: 'get needs protocol and host (or path)' };
  }
  const found = await lookupItem(credentialAttributes(credential), options);
  if (!found) return { status: 'done', answer: { username: credential.username } };
  try {
    // Bytes as stored: git-credential-libsecret gives back a password that is not UTF-8 as it stored it.
    return {
      status: 'done',
      answer: { username: found.attributes.user ?? credential.username, ...answerFromSecret(found.secret) },
    };
  } finally {
    found.secret.fill(0);
  }
}

/**
 * `store`: saves the login in the default collection (or `options.collection`), replacing the item with the same
 * attributes. Refused without protocol, host or path, username and password.
 * @throws NoBackendError, LockedException, TimeoutException, NoDefaultCollectionError.
 */
export async function storeGitCredential(
  credential: GitCredential,
  options: AttributeOptions = {},
): Promise<HelperOutcome> {
  const { protocol, host, path, username, password } = credential;
  if (
    protocol === undefined ||
    (host === undefined && path === undefined) ||
    username === undefined ||
    password === undefined
  ) {
    return { status: 'refused', reason: 'store needs protocol, host (or path), username and password' };
  }
  // The password, then the expiry and the OAuth refresh token as lines of their own (git-credential-libsecret 2.41).
  const secret = secretOf(credential);
  try {
    await storeSecret(credentialLabel(credential), storedAttributes(credential), secret, {
      ...options,
      // Bytes that are not UTF-8 are stored as they came, as libsecret's helper does (gnome-keyring reports every
      // secret as text/plain anyway); KWallet would refuse them as text.
      contentType: contentTypeFor(secret, 'text/plain'),
    });
  } finally {
    secret.fill(0);
  }
  return { status: 'done' };
}

/**
 * `erase`: deletes every item with the attributes given (any of protocol, host, port, path, user), whichever schema
 * stored it, as libsecret's clear does. Refused for a pattern with none of protocol, host, path and username, which
 * would match everything.
 * @throws NoBackendError, LockedException, TimeoutException.
 */
export async function eraseGitCredential(
  credential: GitCredential,
  options: AttributeOptions = {},
): Promise<HelperOutcome> {
  const { protocol, host, path, username } = credential;
  if (protocol === undefined && host === undefined && path === undefined && username === undefined) {
    return { status: 'refused', reason: 'erase needs at least one of protocol, host, path and username' };
  }
  await clearSecrets(credentialAttributes(credential), options);
  return { status: 'done' };
}

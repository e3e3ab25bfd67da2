/**
 * git's credential helper protocol (gitcredentials(7), "git credential"): `key=value` lines on stdin, ended by a blank
 * line or the end of input; the answer is `key=value` lines on stdout. Pure functions over text.
 */

/** The fields git-credential-libsecret reads; other keys are ignored, as git asks helpers to. */
export interface GitCredential {
  protocol?: string;
  /** Without the port. */
  host?: string;
  /** From `host=name:port`; 0 or absent when none. */
  port?: number;
  path?: string;
  username?: string;
  password?: string;
}

export class CredentialSyntaxError extends Error {
  override name = 'CredentialSyntaxError';
}

/**
 * Reads a credential description. A `host` with a port (`example.com:8443`) is split at its last `:`, the port read
 * as git-credential-libsecret reads it (leading digits, modulo 65536; none is 0).
 * @throws CredentialSyntaxError for a line without `=` (the message names the key, never a value).
 */
export function parseCredential(text: string): GitCredential {
  const credential: GitCredential = {};
  for (const line of text.split('\n')) {
    if (line === '') break;
    const eq = line.indexOf('=');
    if (eq === -1) {
      throw new CredentialSyntaxError(
        `invalid credential line ${JSON.stringify(line.slice(0, 40))}: expected key=value (see git-credential(1)).`,
      );
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'protocol':
      case 'path':
      case 'username':
      case 'password':
        credential[key] = value;
        break;
      case 'host': {
        const colon = value.lastIndexOf(':');
        credential.host = colon === -1 ? value : value.slice(0, colon);
        if (colon === -1) delete credential.port;
        else credential.port = (Number.parseInt(/^\s*[+-]?\d*/.exec(value.slice(colon + 1))![0], 10) || 0) & 0xffff;
        break;
      }
      default:
      // Keys this helper does not know (newer git's capability[], wwwauth[], …) are ignored.
    }
  }
  return credential;
}

/** The answer to `get`: `username=` and `password=` lines, for the fields that are set. */
export function formatCredential(credential: Pick<GitCredential, 'username' | 'password'>): string {
  let text = '';
  if (credential.username !== undefined) text += `username=${credential.username}\n`;
  if (credential.password !== undefined) text += `password=${credential.password}\n`;
  return text;
}

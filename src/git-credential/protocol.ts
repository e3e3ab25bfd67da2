/**
 * git's credential helper protocol (gitcredentials(7), "git credential"): `key=value` lines on stdin, ended by a blank
 * line or the end of input; the answer is `key=value` lines on stdout. Values are bytes to git: the password and the
 * OAuth refresh token are kept as bytes (git-credential-libsecret stores a password that is not UTF-8 as it came), the
 * other fields are read as UTF-8, and refused when they are not (libsecret refuses such attribute values: read with
 * U+FFFD, two different paths or user names would name one credential). Pure functions over bytes.
 */
import { decodeUtf8 } from '../utf8.js';

/** The fields git-credential-libsecret reads; other keys are ignored, as git asks helpers to. */
export interface GitCredential {
  protocol?: string;
  /** Without the port. */
  host?: string;
  /** From `host=name:port`; 0 or absent when none. */
  port?: number;
  path?: string;
  username?: string;
  /** The password's bytes (the caller wipes them). */
  password?: Buffer;
  /** Unix seconds, as git sends it (git 2.41 and later). */
  passwordExpiryUtc?: string;
  /** An OAuth refresh token's bytes (git 2.41 and later; the caller wipes them). */
  oauthRefreshToken?: Buffer;
}

export class CredentialSyntaxError extends Error {
  override name = 'CredentialSyntaxError';
}

const NEWLINE = 0x0a;
const EQUALS = 0x3d;

/**
 * Reads a credential description. A `host` with a port (`example.com:8443`) is split at its last `:`, the port read
 * as git-credential-libsecret reads it (leading digits, modulo 65536; none is 0).
 * @throws CredentialSyntaxError for a line without `=` (the message says which line, never what is in it: it may be
 *   part of a password).
 */
export function parseCredential(bytes: Uint8Array): GitCredential {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const credential: GitCredential = {};
  let lineNumber = 0;
  for (let start = 0; start < input.length;) {
    let end = input.indexOf(NEWLINE, start);
    if (end === -1) end = input.length;
    lineNumber++;
    if (end === start) break;
    const line = input.subarray(start, end);
    start = end + 1;
    const eq = line.indexOf(EQUALS);
    if (eq === -1) {
      throw new CredentialSyntaxError(
        `invalid credential line ${lineNumber} (${line.length} bytes without "="): expected key=value (see ` +
          'git-credential(1)).',
      );
    }
    const key = line.subarray(0, eq).toString('latin1');
    const value = line.subarray(eq + 1);
    switch (key) {
      case 'protocol':
      case 'path':
      case 'username':
        credential[key] = utf8Field(key, value, lineNumber);
        break;
      case 'password_expiry_utc':
        credential.passwordExpiryUtc = value.toString('latin1');
        break;
      case 'password':
      case 'oauth_refresh_token': {
        const field = key === 'password' ? 'password' : 'oauthRefreshToken';
        credential[field]?.fill(0);
        credential[field] = Buffer.from(value);
        break;
      }
      case 'host': {
        const text = utf8Field(key, value, lineNumber);
        const colon = text.lastIndexOf(':');
        credential.host = colon === -1 ? text : text.slice(0, colon);
        if (colon === -1) delete credential.port;
        else credential.port = (Number.parseInt(/^\s*[+-]?\d*/.exec(text.slice(colon + 1))![0], 10) || 0) & 0xffff;
        break;
      }
      default:
      // Keys this helper does not know (newer git's capability[], wwwauth[], …) are ignored.
    }
  }
  return credential;
}

/** A field that becomes an attribute: its text, or CredentialSyntaxError naming it (never its bytes). */
function utf8Field(key: string, value: Buffer, lineNumber: number): string {
  const text = decodeUtf8(value, true);
  if (text === undefined) {
    throw new CredentialSyntaxError(
      `the ${key} on credential line ${lineNumber} is not UTF-8 text, which an attribute must be (git-credential-` +
        'libsecret refuses it too).',
    );
  }
  return text;
}

/** What `get` answers with: the fields that are set. */
export type CredentialAnswer = Pick<GitCredential, 'username' | 'password' | 'passwordExpiryUtc' | 'oauthRefreshToken'>;

/**
 * The answer to `get`: `username=`, `password=`, `password_expiry_utc=` and `oauth_refresh_token=` lines for the
 * fields that are set, as git-credential-libsecret writes them (the bytes of the password and token as stored).
 */
export function formatCredential(credential: CredentialAnswer): Buffer {
  const parts: Buffer[] = [];
  const line = (key: string, value: string | Buffer | undefined) => {
    if (value !== undefined) parts.push(Buffer.from(`${key}=`), Buffer.from(value), Buffer.from('\n'));
  };
  line('username', credential.username);
  line('password', credential.password);
  line('password_expiry_utc', credential.passwordExpiryUtc);
  line('oauth_refresh_token', credential.oauthRefreshToken);
  return Buffer.concat(parts);
}

/**
 * What git-credential-libsecret (git 2.41 and later) stores as the secret: the password, then a
 * `password_expiry_utc=` and an `oauth_refresh_token=` line when given.
 */
export function secretOf(credential: GitCredential): Buffer {
  const parts: Buffer[] = [credential.password ?? Buffer.alloc(0)];
  if (credential.passwordExpiryUtc !== undefined) {
    parts.push(Buffer.from(`\npassword_expiry_utc=${credential.passwordExpiryUtc}`));
  }
  if (credential.oauthRefreshToken !== undefined) {
    parts.push(Buffer.from('\noauth_refresh_token='), credential.oauthRefreshToken);
  }
  return Buffer.concat(parts);
}

/**
 * A stored secret read as git-credential-libsecret (2.41 and later) reads it: its first line is the password; of the
 * lines after it, only `password_expiry_utc=` and `oauth_refresh_token=` mean anything (so nothing stored can add
 * other keys to the answer). A secret of one line (what git 2.39's helper and this one before stored) is the password.
 */
export function answerFromSecret(secret: Uint8Array): CredentialAnswer {
  const bytes = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  const lines: Buffer[] = [];
  for (let start = 0; ;) {
    const end = bytes.indexOf(NEWLINE, start);
    lines.push(Buffer.from(bytes.subarray(start, end === -1 ? bytes.length : end)));
    if (end === -1) break;
    start = end + 1;
  }
  const answer: CredentialAnswer = { password: lines[0] };
  for (const line of lines.slice(1)) {
    const text = line.toString('latin1');
    if (text.startsWith('password_expiry_utc=')) answer.passwordExpiryUtc = text.slice(20);
    else if (text.startsWith('oauth_refresh_token=')) answer.oauthRefreshToken = Buffer.from(line.subarray(20));
    line.fill(0);
  }
  return answer;
}

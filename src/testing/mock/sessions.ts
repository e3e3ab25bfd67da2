/**
 * The server half of the transfer algorithms (`plain` and `dh-ietf1024-sha256-aes128-cbc-pkcs7`): session
 * negotiation, and turning `(oayays)` structs into plaintext and back. Sessions belong to the connection that opened
 * them, as the spec requires, so another client's session path gets `NoSession`.
 */
import { AES_BLOCK_BYTES, decryptSecret, encryptSecret } from '../../crypto/aes-cbc.js';
import { wipe } from '../../crypto/bytes.js';
import { DH_KEY_BYTES, generateKeyPair } from '../../crypto/dh.js';
import { deriveSessionKey } from '../../crypto/session-key.js';
import { variant } from '../../dbus/codec.js';
import type { DBusVariant } from '../../dbus/message.js';
import { DBusErrors, SecretErrors, ServiceError } from './errors.js';
import type { WireSecret } from './scenario.js';
import { SERVICE_PATH } from './store.js';

export const PLAIN = 'plain';
export const DH_AES = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';

export interface MockSession {
  readonly path: string;
  readonly algorithm: string;
  /** Unique bus name of the connection that opened it. */
  readonly owner: string;
  /** The AES key, for DH sessions. */
  readonly key?: Uint8Array;
}

export interface SessionOptions {
  /** Read at every `OpenSession`, so a test can change it on the live scenario. */
  algorithms(): readonly string[];
  unpaddedServerKey(): boolean;
  signedServerKey(): boolean;
  randomBytes(length: number): Uint8Array;
}

/** Drops the leading zero bytes of a big-endian integer, as oo7-daemon sends its public key (one byte stays). */
function minimalBytes(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** The `(oayays)` tuple the codec sends; byte arrays must be Buffers for the marshaller. */
export function toWire(secret: WireSecret): [string, Buffer, Buffer, string] {
  return [secret.session, Buffer.from(secret.parameters), Buffer.from(secret.value), secret.contentType];
}

/** Reads a received `(oayays)` struct (its signature was already checked by the dispatcher). */
export function fromWire(struct: unknown): WireSecret {
  const [session, parameters, value, contentType] = struct as [string, Buffer, Buffer, string];
  return { session, parameters, value, contentType };
}

export class SessionRegistry {
  private readonly sessions = new Map<string, MockSession>();
  private nextId = 1;

  constructor(private readonly options: SessionOptions) {}

  /**
   * `OpenSession`: returns the output variant and the new session's path.
   * @throws ServiceError NotSupported for an algorithm the scenario does not offer, InvalidArgs for an input variant
   *   of the wrong type or an unusable DH public key.
   */
  open(algorithm: string, input: DBusVariant, owner: string): { output: DBusVariant; path: string } {
    if (!this.options.algorithms().includes(algorithm)) {
      throw new ServiceError(DBusErrors.notSupported, `Algorithm ${algorithm} is not supported`);
    }
    let output: DBusVariant;
    let key: Uint8Array | undefined;
    if (algorithm === PLAIN) {
      if (input.signature !== 's') throw new ServiceError(DBusErrors.invalidArgs, 'plain expects a v(s) input');
      output = variant('s', '');
    } else if (algorithm === DH_AES) {
      if (input.signature !== 'ay') throw new ServiceError(DBusErrors.invalidArgs, `${DH_AES} expects a v(ay) input`);
      const pair = generateKeyPair((length) => this.options.randomBytes(length), DH_KEY_BYTES);
      try {
        key = deriveSessionKey(pair.privateKey, input.value as Buffer);
      } catch (error) {
        throw new ServiceError(DBusErrors.invalidArgs, `Unusable client public key: ${(error as Error).message}`);
      } finally {
        wipe(pair.privateKey);
      }
      const publicKey = this.options.unpaddedServerKey()
        ? minimalBytes(pair.publicKey)
        : this.options.signedServerKey() && pair.publicKey[0] >= 0x80
          ? Uint8Array.of(0, ...pair.publicKey)
          : pair.publicKey;
      output = variant('ay', Buffer.from(publicKey));
    } else {
      // Listed in the scenario but unknown here: a test asked for an algorithm nobody implements.
      throw new ServiceError(DBusErrors.notSupported, `Algorithm ${algorithm} is not implemented by the mock`);
    }
    const path = `${SERVICE_PATH}/session/${this.nextId++}`;
    this.sessions.set(path, { path, algorithm, owner, key });
    return { output, path };
  }

  close(path: string): void {
    const session = this.sessions.get(path);
    if (!session) return;
    wipe(session.key);
    this.sessions.delete(path);
  }

  /** Closes every session of a connection that left the bus (spec ch. 6). */
  closeOwnedBy(owner: string): void {
    for (const session of this.sessions.values()) if (session.owner === owner) this.close(session.path);
  }

  has(path: string): boolean {
    return this.sessions.has(path);
  }

  list(): MockSession[] {
    return [...this.sessions.values()];
  }

  /**
   * The caller's session at `path`.
   * @throws ServiceError NoSession when there is none, or it belongs to another connection.
   */
  require(path: string, caller: string): MockSession {
    const session = this.sessions.get(path);
    if (!session || session.owner !== caller) {
      throw new ServiceError(SecretErrors.noSession, `No session ${path} for ${caller}`);
    }
    return session;
  }

  /**
   * Decrypts a secret sent by `caller`.
   * @throws ServiceError NoSession for a session that is not the caller's, InvalidArgs for parameters or ciphertext
   *   the session's algorithm does not accept.
   */
  decode(secret: WireSecret, caller: string): Uint8Array {
    const session = this.require(secret.session, caller);
    if (!session.key) {
      if (secret.parameters.length !== 0) {
        throw new ServiceError(DBusErrors.invalidArgs, 'A plain secret carries no parameters');
      }
      return Uint8Array.from(secret.value);
    }
    try {
      return decryptSecret(session.key, secret.parameters, secret.value);
    } catch (error) {
      throw new ServiceError(DBusErrors.invalidArgs, `Cannot decrypt the secret: ${(error as Error).message}`);
    }
  }

  /** Encodes a secret for the session's owner: in clear for `plain`, AES-128-CBC with a fresh IV for DH. */
  encode(session: MockSession, plaintext: Uint8Array, contentType: string): WireSecret {
    if (!session.key) {
      return { session: session.path, parameters: new Uint8Array(0), value: Uint8Array.from(plaintext), contentType };
    }
    const { iv, ciphertext } = encryptSecret(session.key, plaintext, this.options.randomBytes(AES_BLOCK_BYTES));
    return { session: session.path, parameters: iv, value: ciphertext, contentType };
  }
}

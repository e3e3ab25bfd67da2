/**
 * A transfer session with the service: `OpenSession` negotiation (DH first, `plain` only after NotSupported, per
 * the connection's `encryption` mode) and the encoding and decoding of `(oayays)` secret structs.
 */
import { cbcDecrypter, encryptSecret, type CbcDecrypter } from './crypto/aes-cbc.js';
import { wipe } from './crypto/bytes.js';
import { generateKeyPair, parseServerPublicKey } from './crypto/dh.js';
import { loadNodeCrypto } from './crypto/node-crypto.js';
import { deriveSessionKey } from './crypto/session-key.js';
import { isVariant, variant } from './dbus/codec.js';
import { DBusMethodError } from './dbus/connection.js';
import {
  ALGORITHM_DH,
  ALGORITHM_PLAIN,
  NOT_SUPPORTED_ERROR,
  SERVICE_IFACE,
  SERVICE_PATH,
  SESSION_IFACE,
} from './defines.js';
import { mapCallError } from './error-mapping.js';
import { EncryptionNotSupportedError, ProtocolError, SecretStorageError } from './errors.js';
import type { ServiceCaller } from './service-caller.js';

export type EncryptionMode = 'prefer' | 'require' | 'plain';

/** The `(oayays)` struct that carries a secret on the wire. */
export type SecretStruct = [session: string, parameters: Uint8Array, value: Uint8Array, contentType: string];

export interface DecodedSecret {
  value: Buffer;
  contentType: string;
}

/** A session key not derived yet: `derive` computes it (once), `discard` wipes what it would be computed from. */
export interface PendingKey {
  derive(): Uint8Array;
  discard(): void;
}

export class Session {
  // Private fields (#), not TypeScript's `private`: they are no properties, so no util.inspect option
  // (customInspect: false, showHidden) and no enumeration can reach the key.
  #key?: Uint8Array;
  #pendingKey?: PendingKey;
  #keyFailure?: unknown;
  /** The key's decryption context, set up at the first secret read and freed with the key. */
  #decrypter?: CbcDecrypter;

  /**
   * With a {@link PendingKey}, the key is derived on the next turn of the event loop or at first use, whichever comes
   * first: the first call that uses the session has been written by then, and the derivation (two BigInt
   * exponentiations' worth in a cold process) overlaps that call's round trip instead of delaying it.
   */
  constructor(
    /** The session's object path. */
    readonly path: string,
    /** The algorithm negotiated: `dh-ietf1024-sha256-aes128-cbc-pkcs7` or `plain`. */
    readonly algorithm: string,
    key?: Uint8Array | PendingKey,
    /**
     * The unique bus name of the service owner that opened it (`:1.42`), when known: the session dies with that
     * owner, and only with it.
     */
    readonly owner?: string,
  ) {
    if (key instanceof Uint8Array) {
      this.#key = key;
    } else if (key) {
      this.#pendingKey = key;
      setImmediate(() => this.settleKey());
    }
  }

  get encrypted(): boolean {
    return this.algorithm === ALGORITHM_DH;
  }

  /** Builds the struct that sends `secret` in this session (encrypting it when the session is encrypted). */
  encode(secret: Uint8Array, contentType: string): SecretStruct {
    if (!this.encrypted) return [this.path, Buffer.alloc(0), Buffer.from(secret), contentType];
    const { iv, ciphertext } = encryptSecret(this.activeKey(), secret);
    return [this.path, Buffer.from(iv), Buffer.from(ciphertext), contentType];
  }

  /**
   * Reads a secret struct sent by the service.
   * @throws ProtocolError when the struct is malformed, belongs to another session, or does not decrypt.
   */
  decode(struct: unknown, what: string): DecodedSecret {
    if (
      !Array.isArray(struct) ||
      struct.length !== 4 ||
      typeof struct[0] !== 'string' ||
      !(struct[1] instanceof Uint8Array) ||
      !(struct[2] instanceof Uint8Array) ||
      typeof struct[3] !== 'string'
    ) {
      throw new ProtocolError(`${what}: the service sent a secret that is not an (oayays) struct.`);
    }
    const [sessionPath, parameters, value, contentType] = struct as SecretStruct;
    if (sessionPath !== this.path) {
      throw new ProtocolError(
        `${what}: the service sent a secret encoded for session ${sessionPath}, not this connection's ${this.path}; ` +
          'it was not used.',
      );
    }
    if (!this.encrypted) {
      if (parameters.length !== 0) {
        throw new ProtocolError(`${what}: a plain session's secret must have empty parameters; it was not used.`);
      }
      // The reader's own copy (src/dbus/reader.ts), handed on as is: one copy of the secret, not two.
      return { value: Buffer.isBuffer(value) ? value : Buffer.from(value), contentType };
    }
    const key = this.activeKey();
    const plaintext = (this.#decrypter ??= cbcDecrypter(key)).decrypt(parameters, value);
    const result = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length);
    return { value: result, contentType };
  }

  private settleKey(): void {
    const pending = this.#pendingKey;
    if (!pending) return;
    this.#pendingKey = undefined;
    try {
      this.#key = pending.derive();
    } catch (error) {
      this.#keyFailure = error; // thrown by the first use, never out of the event loop
    }
  }

  private activeKey(): Uint8Array {
    this.settleKey();
    if (this.#keyFailure) throw this.#keyFailure;
    if (!this.#key) throw new SecretStorageError('The transfer session was closed; open a new connection.');
    return this.#key;
  }

  /** Shows the path and algorithm, never the key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Session { path: '${this.path}', algorithm: '${this.algorithm}', key: [REDACTED] }`;
  }

  toJSON(): object {
    return { path: this.path, algorithm: this.algorithm };
  }

  /** Wipes the session key. The service forgets the session when told (see `closeSession`) or when the bus connection ends. */
  forget(): void {
    this.#pendingKey?.discard();
    this.#pendingKey = undefined;
    this.#decrypter?.close();
    this.#decrypter = undefined;
    wipe(this.#key);
    this.#key = undefined;
  }
}

/** OpenSession: the service's output, the session's path, and who answered (see {@link Session.owner}). */
async function negotiate(
  service: ServiceCaller,
  algorithm: string,
  input: unknown,
): Promise<[unknown, string, string | undefined]> {
  let reply: unknown[];
  const answered: { sender?: string } = {};
  try {
    reply = await service.call(SERVICE_PATH, SERVICE_IFACE, 'OpenSession', 'sv', [algorithm, input], {
      replySignature: 'vo',
      raw: true,
      reply: answered,
    });
  } catch (error) {
    // Only NotSupported is left raw, for the plain fallback; anything else (a service that failed to start…) is typed.
    if (error instanceof DBusMethodError && error.errorName !== NOT_SUPPORTED_ERROR) {
      throw mapCallError(error, `Service.OpenSession on ${SERVICE_PATH}`, service.serviceName);
    }
    throw error;
  }
  return [reply[0], reply[1] as string, answered.sender];
}

/**
 * Opens a transfer session. `prefer` tries DH and falls back to `plain` only on NotSupported; `require` never falls
 * back; `plain` never encrypts.
 * @throws EncryptionNotSupportedError when the service refuses DH under `require`, ProtocolError for a malformed
 *   answer.
 */
export async function openSession(service: ServiceCaller, mode: EncryptionMode): Promise<Session> {
  if (mode !== 'plain') {
    const { privateKey, publicKey } = generateKeyPair();
    let keptForSession = false;
    try {
      const replying = negotiate(service, ALGORITHM_DH, variant('ay', Buffer.from(publicKey)));
      // node:crypto (HMAC, AES) loads while the service computes its half of the exchange (about 3.5 ms in
      // gnome-keyring), not before the call leaves: setImmediate runs once the call has been written to the socket.
      const cryptoLoading = new Promise((resolve) => setImmediate(resolve)).then(loadNodeCrypto);
      cryptoLoading.catch(() => undefined); // awaited below only when OpenSession succeeds
      const [output, path, owner] = await replying;
      if (!isVariant(output) || output.signature !== 'ay' || !(output.value instanceof Uint8Array)) {
        throw new ProtocolError('OpenSession: the service answered the DH offer without its public key (a v(ay)).');
      }
      const serverPublicKey = output.value;
      parseServerPublicKey(serverPublicKey); // a degenerate key fails the opening, not a later read
      await cryptoLoading.catch((error: unknown) => {
        throw new SecretStorageError(
          `The transfer encryption needs node:crypto: ${(error as Error).message} Or send secrets over the bus ` +
            "unencrypted with dbusInit({ encryption: 'plain' }).",
          { cause: error },
        );
      });
      service.log?.(`opened session ${path} with ${ALGORITHM_DH}`);
      const session = new Session(
        path,
        ALGORITHM_DH,
        {
          derive() {
            try {
              return deriveSessionKey(privateKey, serverPublicKey);
            } finally {
              wipe(privateKey);
            }
          },
          discard: () => wipe(privateKey),
        },
        owner,
      );
      keptForSession = true;
      return session;
    } catch (error) {
      const notSupported = error instanceof DBusMethodError && error.errorName === NOT_SUPPORTED_ERROR;
      const mappedNotSupported = error instanceof SecretStorageError && error.dbusName === NOT_SUPPORTED_ERROR;
      if (!(notSupported || mappedNotSupported)) throw error;
      if (mode === 'require') {
        throw new EncryptionNotSupportedError(
          `The Secret Service does not support ${ALGORITHM_DH} transfer encryption, and encryption: 'require' forbids ` +
            "sending secrets in plain text. Use encryption: 'prefer' to allow it.",
          { dbusName: NOT_SUPPORTED_ERROR },
        );
      }
    } finally {
      if (!keptForSession) wipe(privateKey);
    }
  }
  const [, path, owner] = await negotiate(service, ALGORITHM_PLAIN, variant('s', ''));
  service.log?.(
    `opened session ${path} with ${ALGORITHM_PLAIN}${mode === 'prefer' ? ' (the service does not support DH)' : ''}`,
  );
  return new Session(path, ALGORITHM_PLAIN, undefined, owner);
}

/** Zeroes the byte fields of a secret struct that will not be decoded (in a plain session the secret is in clear). */
export function wipeSecretStruct(struct: unknown): void {
  if (Array.isArray(struct)) for (const field of struct) if (field instanceof Uint8Array) field.fill(0);
}

/** Tells the service to drop the session and wipes its key; errors are ignored (the session dies with the bus anyway). */
export function closeSession(service: ServiceCaller, session: Session): void {
  session.forget();
  service.send(session.path, SESSION_IFACE, 'Close');
}

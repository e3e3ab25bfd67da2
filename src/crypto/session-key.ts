/**
 * The session key of `dh-ietf1024-sha256-aes128-cbc-pkcs7`: the DH shared secret, padded to 128 bytes, through
 * HKDF-SHA256 (no salt, empty info) down to 16 bytes for AES-128.
 */
import { bigIntToBytes, wipe } from './bytes.js';
import { DH_KEY_BYTES, DH_PRIME, modPow, parseServerPublicKey } from './dh.js';
import { nodeCrypto } from './node-crypto.js';

/** Length of the AES-128 key derived from the shared secret. */
export const AES_KEY_BYTES = 16;

/** HKDF-SHA256's hash length, and the zero salt RFC 5869 uses when none is given (as in this algorithm). */
const SHA256_BYTES = 32;
const NO_SALT = new Uint8Array(SHA256_BYTES);
/** What HKDF-Expand hashes for its first block, T(1) = HMAC(PRK, info || 0x01), with empty info. */
const EXPAND_FIRST_BLOCK = new Uint8Array([1]);

/**
 * Derives the 16-byte AES key of a session from our private key and the server's public key. The 128-byte shared
 * secret and HKDF's intermediate key are wiped before returning.
 * @throws ProtocolError when the server key is not acceptable (see {@link parseServerPublicKey}).
 */
export function deriveSessionKey(privateKey: Uint8Array, serverPublicKey: Uint8Array): Uint8Array {
  const y = parseServerPublicKey(serverPublicKey);
  const shared = bigIntToBytes(modPow(y, privateKey, DH_PRIME), DH_KEY_BYTES);
  try {
    return hkdfSha256(shared, AES_KEY_BYTES);
  } finally {
    wipe(shared);
  }
}

/**
 * HKDF-SHA256 (RFC 5869) with no salt and empty info, for at most one hash length of output: extract, then the first
 * block of expand, on Node's HMAC. Not `crypto.hkdfSync`: Electron's BoringSSL builds have failed it with "Deriving
 * bits failed" (electron/electron#31634), and Electron apps are where the keytar drop-in runs.
 */
export function hkdfSha256(inputKey: Uint8Array, length: number): Uint8Array {
  if (length < 1 || length > SHA256_BYTES) throw new RangeError(`hkdfSha256 gives 1 to ${SHA256_BYTES} bytes`);
  const { createHmac } = nodeCrypto();
  const pseudorandomKey = createHmac('sha256', NO_SALT).update(inputKey).digest();
  const firstBlock = createHmac('sha256', pseudorandomKey).update(EXPAND_FIRST_BLOCK).digest();
  try {
    const key = new Uint8Array(length);
    key.set(firstBlock.subarray(0, length));
    return key;
  } finally {
    wipe(pseudorandomKey, firstBlock);
  }
}

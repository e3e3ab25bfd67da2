/**
 * The Diffie-Hellman half of `dh-ietf1024-sha256-aes128-cbc-pkcs7`: RFC 2409's Second Oakley Group (1024-bit MODP,
 * generator 2), keys as unsigned big-endian integers (ours padded to 128 bytes). Pure functions on BigInt, bytes in, bytes
 * out, without node:crypto (the session key that HKDF derives from the shared secret is in session-key.ts).
 */
import { ProtocolError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from './bytes.js';
import { randomBytes } from './random.js';

/** RFC 2409 §6.2, the Second Oakley Group prime. */
export const DH_PRIME = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF',
);
/** The group's generator; {@link powerOfTwo} is the exponentiation specialised to it. */
export const DH_GENERATOR = 2n;
/** Length of the prime, the public keys and the shared secret on the wire. */
export const DH_KEY_BYTES = 128;
/**
 * Random bytes in a private exponent. The 1024-bit group offers about 80 bits of security; NIST SP 800-56A asks for
 * an exponent of at least twice the strength (160 bits), oo7 uses 128 and SecretStorage 1024. 256 bits keeps a wide
 * margin and makes each exponentiation about four times cheaper than a 1024-bit one (the cost of a cold start).
 */
export const DH_EXPONENT_BYTES = 32;

/**
 * `base ** exponent mod modulus` by left-to-right square-and-multiply on BigInt: ten lines instead of a dependency,
 * and no field object to build per call in a cold process (see README, "Why no crypto library"). The exponent is
 * read as unsigned big-endian bytes, bit by bit, so that a private key is never turned into a BigInt (or a string of
 * its bits) that could not be wiped. Not constant-time: BigInt arithmetic in JavaScript cannot be.
 */
export function modPow(base: bigint, exponent: Uint8Array, modulus: bigint): bigint {
  if (base < 0n || modulus < 1n) throw new RangeError('modPow takes a non-negative base and a positive modulus');
  const reduced = base % modulus;
  let result = 1n % modulus;
  for (let i = firstNonZero(exponent); i < exponent.length; i++) {
    for (let bit = 0x80; bit > 0; bit >>= 1) {
      result = (result * result) % modulus;
      if (exponent[i] & bit) result = (result * reduced) % modulus;
    }
  }
  return result;
}

/**
 * `2 ** exponent mod modulus`, the public key's exponentiation: {@link modPow} where multiplying by the generator 2 is
 * a one-bit shift and one subtraction instead of a 1024-bit product and division, about a third less work. The
 * exponent is big-endian bytes, as in modPow. Not constant-time either.
 */
export function powerOfTwo(exponent: Uint8Array, modulus: bigint): bigint {
  if (modulus < 3n) throw new RangeError('powerOfTwo takes a modulus ≥ 3');
  let result = 1n;
  for (let i = firstNonZero(exponent); i < exponent.length; i++) {
    for (let bit = 0x80; bit > 0; bit >>= 1) {
      result = (result * result) % modulus;
      if (exponent[i] & bit) {
        result <<= 1n;
        if (result >= modulus) result -= modulus;
      }
    }
  }
  return result;
}

/** Index of the first non-zero byte (the length when all are zero): leading zeros would only square 1. */
function firstNonZero(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i;
}

export interface DhKeyPair {
  /** The private exponent; the caller wipes it once the session key is derived. */
  privateKey: Uint8Array;
  /** `2^private mod p`, exactly 128 bytes. */
  publicKey: Uint8Array;
}

/**
 * A fresh key pair: `exponentBytes` random bytes (default 32, see {@link DH_EXPONENT_BYTES}) as the private exponent,
 * held left-padded in 128 bytes.
 */
export function generateKeyPair(
  random: (length: number) => Uint8Array = randomBytes,
  exponentBytes = DH_EXPONENT_BYTES,
): DhKeyPair {
  const privateKey = new Uint8Array(DH_KEY_BYTES);
  const exponent = random(exponentBytes);
  privateKey.set(exponent, DH_KEY_BYTES - exponentBytes);
  exponent.fill(0);
  const publicKey = bigIntToBytes(powerOfTwo(privateKey, DH_PRIME), DH_KEY_BYTES);
  return { privateKey, publicKey };
}

/**
 * Parses the server's public key as an unsigned big-endian integer with value in [2, p-2]. Leading zero bytes are
 * allowed in any number: gnome-keyring pads to 128 bytes, oo7 sends the minimal length, and KWallet's QCA encodes a
 * signed integer, 129 bytes with a leading zero whenever the top bit is set. What counts is the length without them.
 * @throws ProtocolError for an empty key, one with more than 128 significant bytes, or a degenerate one (0, 1, p-1 or
 *   ≥ p), which would make the shared secret predictable.
 */
export function parseServerPublicKey(serverPublicKey: Uint8Array): bigint {
  const significant = serverPublicKey.length - firstNonZero(serverPublicKey);
  if (serverPublicKey.length === 0 || significant > DH_KEY_BYTES) {
    throw new ProtocolError(
      `The Secret Service sent a ${serverPublicKey.length}-byte DH public key with ${significant} significant bytes; ` +
        `at most ${DH_KEY_BYTES} are valid (leading zeros aside). ` +
        'The service is broken or is not a Secret Service; report it to its maintainers.',
    );
  }
  const y = bytesToBigInt(serverPublicKey);
  if (y < 2n || y > DH_PRIME - 2n) {
    throw new ProtocolError(
      'The Secret Service sent a degenerate DH public key (0, 1, p-1 or not below p), which would expose every secret; ' +
        'refusing the session. The service is broken or hostile.',
    );
  }
  return y;
}

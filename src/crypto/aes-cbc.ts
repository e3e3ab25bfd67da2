/**
 * The AES half of `dh-ietf1024-sha256-aes128-cbc-pkcs7`: AES-128-CBC with a fresh 16-byte IV per secret and strict
 * PKCS#7 padding. Decryption checks what libsecret checks (IV length, ciphertext length, every padding byte); the
 * algorithm has no MAC, so a wrong key or an altered ciphertext still passes about once in 256. The cipher itself is
 * Node's (OpenSSL, or BoringSSL in Electron): AES-NI where the CPU has it, and nothing to build at import time, where
 * @noble/ciphers' AES built its lookup tables (`npm run bench:profile`: importing AES took 11.7 ms in a cold process
 * through noble, 0.609 ms through node:crypto once loaded).
 */
import { ProtocolError } from '../errors.js';
import { wipe } from './bytes.js';
import { nodeCrypto, type NodeCryptoModule } from './node-crypto.js';

export const AES_BLOCK_BYTES = 16;

export interface EncryptedSecret {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * Pads `plaintext` with PKCS#7 (1 to 16 bytes, always) and encrypts it; the padded copy is wiped. The IV comes from
 * OpenSSL's generator (node:crypto is loaded by now), one call where /dev/urandom costs an open, a read and a close
 * per secret.
 */
export function encryptSecret(
  key: Uint8Array,
  plaintext: Uint8Array,
  iv: Uint8Array = nodeCrypto().randomFillSync(new Uint8Array(AES_BLOCK_BYTES)),
): EncryptedSecret {
  const padLength = AES_BLOCK_BYTES - (plaintext.length % AES_BLOCK_BYTES);
  const padded = new Uint8Array(plaintext.length + padLength);
  padded.set(plaintext);
  padded.fill(padLength, plaintext.length);
  try {
    return { iv: Uint8Array.from(iv), ciphertext: aes128Cbc('encrypt', key, iv, padded) };
  } finally {
    wipe(padded);
  }
}

/**
 * Decrypts a secret sent by the service and strips its PKCS#7 padding; the padded plaintext is wiped.
 * @throws ProtocolError for an IV that is not 16 bytes, a ciphertext that is empty or not a multiple of 16 bytes, or
 *   invalid padding (a wrong key or a tampered message).
 */
export function decryptSecret(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkSizes(iv, ciphertext);
  return unpad(aes128Cbc('decrypt', key, iv, ciphertext));
}

/** Decrypts many secrets under one key (see {@link cbcDecrypter}). */
export interface CbcDecrypter {
  /** As {@link decryptSecret}, with the decrypter's key. @throws as decryptSecret, and Error once closed. */
  decrypt(iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** Frees the cipher context, and the expanded key in it. */
  close(): void;
}

/**
 * Decryption of many secrets under `key` (a session's), with one OpenSSL context for all of them: AES-128-ECB over
 * the whole ciphertext, the CBC chaining (each block XORed with the ciphertext block before it, the first with the
 * IV) done here. Setting up a context for each secret was most of a get's decryption: a CPU profile of sequential
 * gets put createDecipheriv at 12% of the client's CPU, half of it OpenSSL's cipher initialisation. A crypto build
 * without ECB gets a context per secret, as decryptSecret does. The caller closes it with the session.
 */
export function cbcDecrypter(key: Uint8Array): CbcDecrypter {
  let ecb: ReturnType<NodeCryptoModule['createDecipheriv']> | undefined;
  try {
    ecb = nodeCrypto().createDecipheriv('aes-128-ecb', key, null);
    ecb.setAutoPadding(false);
  } catch {
    ecb = undefined;
  }
  let closed = false;
  return {
    decrypt(iv, ciphertext) {
      if (closed) throw new Error('Internal error: a closed decrypter was used.');
      checkSizes(iv, ciphertext);
      // Without padding, OpenSSL holds nothing back: every block comes out of this update (checked all the same).
      const blocks = ecb ? asUint8Array(ecb.update(ciphertext)) : undefined;
      if (!blocks || blocks.length !== ciphertext.length) {
        wipe(blocks);
        return unpad(aes128Cbc('decrypt', key, iv, ciphertext));
      }
      for (let i = blocks.length - 1; i >= AES_BLOCK_BYTES; i--) blocks[i] ^= ciphertext[i - AES_BLOCK_BYTES];
      for (let i = 0; i < AES_BLOCK_BYTES; i++) blocks[i] ^= iv[i];
      return unpad(blocks);
    },
    close() {
      closed = true;
      try {
        ecb?.final(); // Node frees the OpenSSL context (and its key schedule) at final
      } catch {
        // Nothing held back, nothing to report: the context is gone either way.
      }
      ecb = undefined;
    },
  };
}

/** @throws ProtocolError unless the IV is one block and the ciphertext a non-zero number of blocks. */
function checkSizes(iv: Uint8Array, ciphertext: Uint8Array): void {
  if (iv.length !== AES_BLOCK_BYTES) {
    throw new ProtocolError(
      `The Secret Service sent a secret with a ${iv.length}-byte IV; AES-128-CBC needs 16. Nothing was decrypted.`,
    );
  }
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new ProtocolError(
      `The Secret Service sent ${ciphertext.length} bytes of ciphertext, which is not a non-zero multiple of 16. ` +
        'Nothing was decrypted.',
    );
  }
}

/**
 * The plaintext without its PKCS#7 padding, as a copy; `padded` is wiped.
 * @throws ProtocolError for invalid padding (a wrong key or a tampered message).
 */
function unpad(padded: Uint8Array): Uint8Array {
  try {
    const padLength = padded[padded.length - 1];
    let valid = padLength >= 1 && padLength <= AES_BLOCK_BYTES;
    for (let i = padded.length - padLength; valid && i < padded.length; i++) valid = padded[i] === padLength;
    if (!valid) {
      throw new ProtocolError(
        'The secret sent by the Secret Service has invalid PKCS#7 padding: the session keys disagree or the message ' +
          'was altered. Nothing was returned; reconnect and try again.',
      );
    }
    return padded.slice(0, padded.length - padLength);
  } finally {
    wipe(padded);
  }
}

/** AES-128-CBC over whole blocks, without OpenSSL's padding (the callers pad and check the padding themselves). */
function aes128Cbc(direction: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, blocks: Uint8Array): Uint8Array {
  const { createCipheriv, createDecipheriv } = nodeCrypto();
  const cipher = (direction === 'encrypt' ? createCipheriv : createDecipheriv)('aes-128-cbc', key, iv);
  cipher.setAutoPadding(false);
  // A plain Uint8Array view, not a Buffer: Buffer's slice() shares memory, and callers slice, then wipe the original.
  const out = asUint8Array(cipher.update(blocks));
  const rest = cipher.final(); // empty in OpenSSL (no padding: nothing held back); joined below should a build differ
  if (rest.length === 0) return out;
  const joined = new Uint8Array(out.length + rest.length);
  joined.set(out);
  joined.set(rest, out.length);
  wipe(out, rest);
  return joined;
}

function asUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

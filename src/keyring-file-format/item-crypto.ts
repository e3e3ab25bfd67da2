/**
 * The cryptography of keyring files (libsecret's `egg-keyring1`, oo7's `crypto`): a 16-byte key from PBKDF2-SHA256
 * over the password with the file's salt and iteration count; attribute values stored as their HMAC-SHA256 under
 * that key, so a search compares MACs and decrypts nothing; each item the GVariant `(a{ss}sttay)` (attributes, label,
 * created, modified, secret), PKCS#7-padded and AES-128-CBC-encrypted under the same key with a fresh IV, followed
 * by the IV and the HMAC-SHA256 of ciphertext and IV. Pure functions: keys and bytes in, bytes out (node:crypto
 * must have been loaded with `loadNodeCrypto`).
 */
import { wipe } from '../crypto/bytes.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { decodeGVariant, encodeGVariant, GVariantError } from './gvariant.js';
import type { EncryptedItem } from './file-layout.js';

export const KEY_BYTES = 16;
export const MAC_BYTES = 32;
export const IV_BYTES = 16;
export const SALT_BYTES = 32;
/** What libsecret and oo7 use for new files. */
export const DEFAULT_ITERATION_COUNT = 100_000;
/** oo7's attribute for the secret's content type; libsecret stores none and reads every secret as `text/plain`. */
export const CONTENT_TYPE_ATTRIBUTE = 'xdg:content-type';
const ITEM_SIGNATURE = '(a{ss}sttay)';

/** An item in clear. */
export interface FileItem {
  /** Every attribute stored, `xdg:content-type` included when there is one. */
  attributes: Record<string, string>;
  label: string;
  /** Unix seconds. */
  created: bigint;
  modified: bigint;
  secret: Uint8Array;
}

/** Why an item could not be opened: its MAC does not verify, or it verifies but its content is malformed. */
export class ItemDecryptError extends Error {
  constructor(
    readonly reason: 'mac' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** The file key for `password` (bytes: a passphrase's UTF-8, or the portal's 64-byte secret). */
export function deriveFileKey(password: Uint8Array, salt: Uint8Array, iterationCount: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    nodeCrypto().pbkdf2(password, salt, iterationCount, KEY_BYTES, 'sha256', (error, key) =>
      error ? reject(error) : resolve(new Uint8Array(key.buffer, key.byteOffset, key.length)),
    );
  });
}

function mac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const hmac = nodeCrypto().createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return new Uint8Array(hmac.digest());
}

function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeCrypto().timingSafeEqual(a, b);
}

/** The MAC an attribute value is stored (and searched) as. */
export function hashAttributeValue(key: Uint8Array, value: string): Uint8Array {
  return mac(key, new TextEncoder().encode(value));
}

/** A search's attributes with their values' MACs, computed once for every item it is compared with. */
export type HashedQuery = [string, Uint8Array][];

/** The MACs a search compares items with. */
export function hashQuery(key: Uint8Array, attributes: Record<string, string>): HashedQuery {
  return Object.entries(attributes).map(([name, value]) => [name, hashAttributeValue(key, value)]);
}

/** True when the item has every attribute of the query with that value (a search, as libsecret's and oo7's). */
export function itemMatchesQuery(item: EncryptedItem, query: HashedQuery): boolean {
  return query.every(([name, mac]) =>
    item.hashedAttributes.some(([stored, hashed]) => stored === name && macEquals(hashed, mac)),
  );
}

/** True when the item has every one of `attributes` with that value. */
export function itemMatches(key: Uint8Array, item: EncryptedItem, attributes: Record<string, string>): boolean {
  return itemMatchesQuery(item, hashQuery(key, attributes));
}

/** Encrypts `item` under `key` with a fresh IV; the plaintext copies are wiped. */
export function encryptItem(key: Uint8Array, item: FileItem): EncryptedItem {
  const crypto = nodeCrypto();
  const entries = Object.entries(item.attributes);
  const plain = encodeGVariant(ITEM_SIGNATURE, [entries, item.label, item.created, item.modified, item.secret]);
  const iv = new Uint8Array(crypto.randomBytes(IV_BYTES));
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv); // PKCS#7 padding is OpenSSL's default
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  wipe(plain);
  const tag = mac(key, ciphertext, iv);
  const blob = new Uint8Array(ciphertext.length + IV_BYTES + MAC_BYTES);
  blob.set(ciphertext);
  blob.set(iv, ciphertext.length);
  blob.set(tag, ciphertext.length + IV_BYTES);
  return {
    hashedAttributes: entries.map(([name, value]) => [name, hashAttributeValue(key, value)]),
    blob,
  };
}

/** Whether the item's blob verifies under `key` (without decrypting it). */
export function itemVerifies(key: Uint8Array, item: EncryptedItem): boolean {
  const { blob } = item;
  if (blob.length < IV_BYTES + MAC_BYTES) return false;
  const body = blob.subarray(0, blob.length - MAC_BYTES);
  return macEquals(mac(key, body), blob.subarray(blob.length - MAC_BYTES));
}

/**
 * The item in clear, after checking its MAC, its padding, its serialisation and that its hashed attributes are
 * those of its content.
 * @throws ItemDecryptError (`mac`: a wrong key or an altered blob; `malformed`: it verifies but does not decode).
 */
export function decryptItem(key: Uint8Array, item: EncryptedItem): FileItem {
  const { blob } = item;
  if (!itemVerifies(key, item)) {
    throw new ItemDecryptError('mac', 'fails its MAC');
  }
  const ciphertextLength = blob.length - IV_BYTES - MAC_BYTES;
  if (ciphertextLength === 0 || ciphertextLength % 16 !== 0) {
    throw new ItemDecryptError('malformed', `has ${ciphertextLength} bytes of ciphertext, not a multiple of 16`);
  }
  const iv = blob.subarray(ciphertextLength, ciphertextLength + IV_BYTES);
  const decipher = nodeCrypto().createDecipheriv('aes-128-cbc', key, iv);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(blob.subarray(0, ciphertextLength)), decipher.final()]);
  } catch {
    throw new ItemDecryptError('malformed', 'verifies but has bad padding');
  }
  try {
    const [entries, label, created, modified, secret] = decodeGVariant(ITEM_SIGNATURE, plain) as [
      [string, string][],
      string,
      bigint,
      bigint,
      Uint8Array,
    ];
    const attributes: Record<string, string> = Object.create(null);
    for (const [name, value] of entries) attributes[name] = value;
    const hashed = item.hashedAttributes;
    const consistent =
      hashed.length === Object.keys(attributes).length &&
      hashed.every(
        ([name, value]) =>
          Object.hasOwn(attributes, name) && macEquals(value, hashAttributeValue(key, attributes[name])),
      );
    if (!consistent) throw new ItemDecryptError('malformed', 'has hashed attributes that are not its own');
    return { attributes: { ...attributes }, label, created, modified, secret };
  } catch (error) {
    if (error instanceof GVariantError) throw new ItemDecryptError('malformed', `does not decode (${error.message})`);
    throw error;
  } finally {
    wipe(plain);
  }
}

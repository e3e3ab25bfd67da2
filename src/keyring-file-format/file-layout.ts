/**
 * The layout of a keyring file, version 1.0 (libsecret's `secret-file-collection.c`, oo7's `file/api`): the header
 * `GnomeKeyring\n\r\0\n`, the version bytes 1 and 0, then one GVariant `(uayutua(a{say}ay))`: the salt's size, the
 * salt, the PBKDF2 iteration count, the time of the last write, a write counter, and the items, each its attributes'
 * names with their values' HMACs and the encrypted item. Pure functions over bytes: nothing here reads a file or
 * knows a key.
 */
import { KeyringFileFormatError, KeyringFileVersionError } from '../errors.js';
import { decodeGVariant, encodeGVariant, GVariantError, SerializedGVariant, type GVariantValue } from './gvariant.js';

export const FILE_HEADER = new TextEncoder().encode('GnomeKeyring\n\r\0\n');
export const MAJOR_VERSION = 1;
export const MINOR_VERSION = 0;
const BODY_SIGNATURE = '(uayutua(a{say}ay))';
const ITEM_SIGNATURE = '(a{say}ay)';

/**
 * An item as stored: readable without the key are only its attribute names. Never changed once made (a change makes
 * a new one): {@link serializeKeyringFile} keeps each one's serialisation for the next write of the file.
 */
export interface EncryptedItem {
  /** Attribute name → HMAC-SHA256 of its value under the file's key, in name order. */
  hashedAttributes: [string, Uint8Array][];
  /** AES-128-CBC ciphertext of the serialised item, then its 16-byte IV, then the HMAC-SHA256 of both. */
  blob: Uint8Array;
}

export interface KeyringFileContents {
  salt: Uint8Array;
  iterationCount: number;
  /** Unix seconds of the last write. */
  modified: bigint;
  /** How many writes the file has had (oo7 and libsecret count them; nothing reads it). */
  usageCount: number;
  items: EncryptedItem[];
}

/** The most PBKDF2 iterations a file may ask for: 100 times what libsecret and oo7 write (seconds, not minutes). */
export const MAX_ITERATION_COUNT = 10_000_000;

/**
 * The contents of a keyring file's bytes. `where` names the file in errors.
 * @throws KeyringFileFormatError for bytes that are not a keyring file or are truncated or malformed;
 *   KeyringFileVersionError for another version of the format (gnome-keyring's own version 0 files included).
 */
export function parseKeyringFile(bytes: Uint8Array, where: string): KeyringFileContents {
  if (bytes.length < FILE_HEADER.length || FILE_HEADER.some((byte, index) => bytes[index] !== byte)) {
    throw new KeyringFileFormatError(
      where,
      bytes.length === 0
        ? 'is empty (a keyring file starts with "GnomeKeyring")'
        : 'is not a keyring file (it does not start with "GnomeKeyring\\n\\r\\0\\n")',
    );
  }
  const [major, minor] = [bytes[FILE_HEADER.length], bytes[FILE_HEADER.length + 1]];
  if (major === undefined || minor === undefined) throw new KeyringFileFormatError(where, 'ends after its header');
  if (major !== MAJOR_VERSION || minor !== MINOR_VERSION) {
    throw new KeyringFileVersionError(where, major, minor);
  }
  let body: GVariantValue;
  try {
    // The salt, MACs and blobs are views of `bytes` (encrypted, never wiped), not copies.
    body = decodeGVariant(BODY_SIGNATURE, bytes.subarray(FILE_HEADER.length + 2), { byteViews: true });
  } catch (error) {
    if (!(error instanceof GVariantError)) throw error;
    throw new KeyringFileFormatError(where, `is truncated or damaged (${error.message})`);
  }
  const [saltSize, salt, iterationCount, modified, usageCount, items] = body as [
    number,
    Uint8Array,
    number,
    bigint,
    number,
    [[string, Uint8Array][], Uint8Array][],
  ];
  if (salt.length !== saltSize) {
    throw new KeyringFileFormatError(
      where,
      `is damaged (its salt has ${salt.length} bytes, its header says ${saltSize})`,
    );
  }
  if (iterationCount === 0) throw new KeyringFileFormatError(where, 'is damaged (an iteration count of 0)');
  if (iterationCount > MAX_ITERATION_COUNT) {
    // The count is not authenticated: one damaged byte can ask for minutes of PBKDF2, then blame the password.
    throw new KeyringFileFormatError(
      where,
      `is damaged (an iteration count of ${iterationCount}, where libsecret and oo7 write 100,000; this library ` +
        `refuses more than ${MAX_ITERATION_COUNT.toLocaleString('en')})`,
    );
  }
  return {
    salt,
    iterationCount,
    modified,
    usageCount,
    items: items.map(([hashedAttributes, blob]) => ({ hashedAttributes, blob })),
  };
}

/**
 * Byte order of the UTF-8 encodings, as GLib's `g_strcmp0` sorts the attribute names. Without surrogates (characters
 * past U+FFFF), UTF-16 code units compare as code points do, and so as their UTF-8 bytes do.
 */
function compareUtf8(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
const SURROGATE = /[\ud800-\udfff]/;

/** The attributes in name order: as they are, when they are in it (as every item read from a file is). */
function inNameOrder(attributes: [string, Uint8Array][]): [string, Uint8Array][] {
  for (let i = 1; i < attributes.length; i++) {
    if (compareUtf8(attributes[i - 1][0], attributes[i][0]) > 0) {
      return [...attributes].sort(([a], [b]) => compareUtf8(a, b));
    }
  }
  return attributes;
}

/** Each item's serialisation, made by its first write: a file is rewritten whole for every change of one item. */
const serializedItems = new WeakMap<EncryptedItem, SerializedGVariant>();

function serializedItem(item: EncryptedItem): SerializedGVariant {
  let serialized = serializedItems.get(item);
  if (!serialized) {
    serialized = new SerializedGVariant(
      encodeGVariant(ITEM_SIGNATURE, [inNameOrder(item.hashedAttributes), item.blob]),
    );
    serializedItems.set(item, serialized);
  }
  return serialized;
}

/** The bytes of a keyring file with `contents`; the items' attributes are written in name order, as libsecret does. */
export function serializeKeyringFile(contents: KeyringFileContents): Uint8Array {
  const body = encodeGVariant(BODY_SIGNATURE, [
    contents.salt.length,
    contents.salt,
    contents.iterationCount,
    contents.modified,
    contents.usageCount,
    contents.items.map(serializedItem),
  ]);
  const out = new Uint8Array(FILE_HEADER.length + 2 + body.length);
  out.set(FILE_HEADER);
  out[FILE_HEADER.length] = MAJOR_VERSION;
  out[FILE_HEADER.length + 1] = MINOR_VERSION;
  out.set(body, FILE_HEADER.length + 2);
  return out;
}

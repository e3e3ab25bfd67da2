// @ts-check
/**
 * Writes a keyring file in gnome-keyring's binary encrypted format (version 0.0: AES-128-CBC, key and IV from
 * SHA-256 iterations over password and salt, MD5 check of the plaintext), so that the benchmark can start a
 * gnome-keyring that already holds 10,000 items: filling one through D-Bus takes minutes, because gnome-keyring
 * rewrites the whole file on every change.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

const FILE_HEADER = Buffer.from('GnomeKeyring\n\r\0\n', 'latin1');
const ATTRIBUTE_STRING = 0;
const ITEM_TYPE_GENERIC_SECRET = 0;

/**
 * @typedef {{ label: string, secret: string, attributes: Record<string, string> }} KeyringFileItem
 * @typedef {{ label: string, password: string, items: KeyringFileItem[], iterations?: number, timestamp?: number }} KeyringFileContent
 */

/** Big-endian writer for gnome-keyring's buffer encoding. */
class BufferWriter {
  /** @type {Buffer[]} */
  chunks = [];
  length = 0;

  /** @param {Buffer} bytes */
  bytes(bytes) {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** @param {number} value */
  uint32(value) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value >>> 0);
    this.bytes(bytes);
  }

  /** A length-prefixed UTF-8 string; `null` is written as length 0xffffffff. @param {string | null} value */
  string(value) {
    if (value === null) return this.uint32(0xffffffff);
    const bytes = Buffer.from(value, 'utf8');
    this.uint32(bytes.length);
    this.bytes(bytes);
  }

  /** Seconds since the epoch as two 32-bit halves. @param {number} seconds */
  time(seconds) {
    this.uint32(Math.floor(seconds / 2 ** 32));
    this.uint32(seconds % 2 ** 32);
  }

  /** @param {Record<string, string>} attributes @param {boolean} hashed */
  attributes(attributes, hashed) {
    const entries = Object.entries(attributes);
    this.uint32(entries.length);
    for (const [name, value] of entries) {
      this.string(name);
      this.uint32(ATTRIBUTE_STRING);
      // Locked keyrings are searched by these: gnome-keyring stores string values as their MD5 in hex.
      this.string(hashed ? createHash('md5').update(value, 'utf8').digest('hex') : value);
    }
  }

  toBuffer() {
    return Buffer.concat(this.chunks, this.length);
  }
}

/**
 * egg_symkey_generate_simple with SHA-256: one digest of password and salt, re-hashed `iterations - 1` times; its
 * first 16 bytes are the AES key, the next 16 the IV.
 * @param {string} password @param {Buffer} salt @param {number} iterations
 */
function deriveKeyAndIv(password, salt, iterations) {
  let digest = createHash('sha256').update(Buffer.from(password, 'utf8')).update(salt).digest();
  for (let i = 1; i < iterations; i++) digest = createHash('sha256').update(digest).digest();
  return { key: digest.subarray(0, 16), iv: digest.subarray(16, 32) };
}

/**
 * The bytes of a keyring file holding `items`, encrypted with `password`.
 * @param {KeyringFileContent} content
 * @returns {Buffer}
 */
export function encodeKeyringFile({
  label,
  password,
  items,
  iterations = 1000,
  timestamp = Math.floor(Date.now() / 1000),
}) {
  const salt = randomBytes(8);
  const out = new BufferWriter();
  out.bytes(FILE_HEADER);
  out.bytes(Buffer.from([0, 0, 0, 0])); // version 0.0, AES, MD5
  out.string(label);
  out.time(timestamp); // ctime
  out.time(timestamp); // mtime
  out.uint32(0); // flags: no lock on idle
  out.uint32(0); // lock timeout
  out.uint32(iterations);
  out.bytes(salt);
  for (let i = 0; i < 4; i++) out.uint32(0);
  out.uint32(items.length);
  items.forEach((item, index) => {
    out.uint32(index + 1);
    out.uint32(ITEM_TYPE_GENERIC_SECRET);
    out.attributes(item.attributes, true);
  });

  const secret = new BufferWriter();
  secret.bytes(Buffer.alloc(16)); // room for the MD5 of what follows
  for (const item of items) {
    secret.string(item.label);
    secret.string(item.secret);
    secret.time(timestamp);
    secret.time(timestamp);
    secret.string(null);
    for (let i = 0; i < 4; i++) secret.uint32(0);
    secret.attributes(item.attributes, false);
    secret.uint32(0); // no ACL entries
  }
  if (secret.length % 16) secret.bytes(Buffer.alloc(16 - (secret.length % 16)));
  const plaintext = secret.toBuffer();
  createHash('md5').update(plaintext.subarray(16)).digest().copy(plaintext, 0);
  const { key, iv } = deriveKeyAndIv(password, salt, iterations);
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  out.uint32(encrypted.length);
  out.bytes(encrypted);
  return out.toBuffer();
}

/**
 * Writes `content` as a keyring file (`<keyrings dir>/<name>.keyring`, mode 0600).
 * @param {string} path @param {KeyringFileContent} content
 */
export async function writeKeyringFile(path, content) {
  await writeFile(path, encodeKeyringFile(content), { mode: 0o600 });
}

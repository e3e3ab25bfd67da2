/** Marshalling: values written little-endian with the spec's alignment into a growing buffer. */
import { isPlainAscii } from '../utf8.js';
import { isObjectPath } from './names.js';
import { ALIGNMENT, MAX_ARRAY_BYTES, Variant, parseSignature, type DBusType } from './signature.js';

/** A value the caller gave that D-Bus cannot carry (as opposed to a value of the wrong type: a bug). */
export class UnsendableValueError extends Error {}

/** Strings up to this many characters are checked and copied in JavaScript when they are plain ASCII. */
const SHORT_STRING = 128;

/**
 * Stores a 32-bit unsigned integer little-endian, byte by byte: what Buffer#writeUInt32LE does after its argument
 * checks, which cost more to run and to compile than the four stores (the callers' offsets are in bounds already).
 */
function setUint32(buffer: Buffer, offset: number, value: number): void {
  buffer[offset] = value;
  buffer[offset + 1] = value >>> 8;
  buffer[offset + 2] = value >>> 16;
  buffer[offset + 3] = value >>> 24;
}

/** Writes values into a growing little-endian buffer; offsets (and so alignment) count from `base`. */
export class Writer {
  private buffer: Buffer;
  offset = 0;

  constructor(
    initialSize = 256,
    private readonly base = 0,
  ) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) this.grow(bytes);
  }

  /** Out of line from {@link reserve}: rare, and kept out of what the hot paths inline. */
  private grow(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    // The old buffer may hold secret bytes (a struct being written): do not leave them in freed memory.
    this.buffer.fill(0);
    this.buffer = grown;
  }

  align(boundary: number): void {
    const padding = (boundary - ((this.base + this.offset) % boundary)) % boundary;
    if (padding === 0) return;
    this.reserve(padding);
    // At most 7 bytes: a loop, not Buffer#fill (whose argument handling costs more than the bytes).
    const buffer = this.buffer;
    for (let i = 0; i < padding; i++) buffer[this.offset++] = 0;
  }

  private uint32(value: number): void {
    this.align(4);
    this.reserve(4);
    setUint32(this.buffer, this.offset, value);
    this.offset += 4;
  }

  private bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  private string(value: unknown, code: 's' | 'o' | 'g'): void {
    if (typeof value === 'string' && value.length <= SHORT_STRING && isPlainAscii(value)) {
      return this.asciiString(value, code);
    }
    const what = code === 's' ? 'a string' : code === 'o' ? 'an object path' : 'a signature';
    if (typeof value !== 'string') throw new Error(`expected a string for ${what}, got ${typeof value}`);
    // What the bus refuses is refused here, before sending: dbus-daemon disconnects a client that sends it.
    if (value.includes('\0'))
      throw new UnsendableValueError(`${what} contains a NUL character, which D-Bus cannot carry`);
    if (!value.isWellFormed())
      throw new UnsendableValueError(`${what} contains a lone UTF-16 surrogate, which is not Unicode text`);
    this.stringLength(value, code, Buffer.byteLength(value));
    this.offset += this.buffer.write(value, this.offset, 'utf8');
    this.buffer[this.offset++] = 0;
  }

  /**
   * What comes before a string's bytes: an object path checked, the length (a byte for a signature, else a uint32),
   * and room for the bytes and their NUL.
   */
  private stringLength(value: string, code: 's' | 'o' | 'g', length: number): void {
    if (code === 'o' && !isObjectPath(value)) {
      throw new UnsendableValueError(
        `${JSON.stringify(value)} is not an object path (slash-separated elements of [A-Za-z0-9_])`,
      );
    }
    if (code === 'g') {
      if (length > 255) throw new Error('a signature longer than 255 bytes');
      this.reserve(1);
      this.buffer[this.offset++] = length;
    } else {
      this.uint32(length);
    }
    this.reserve(length + 1);
  }

  /**
   * A short string of ASCII without NUL (what most strings on this bus are: names, paths, attributes), copied a
   * character at a time: each is its UTF-8 byte, so neither the byte length nor the copy needs a call into C++.
   */
  private asciiString(value: string, code: 's' | 'o' | 'g'): void {
    const length = value.length;
    this.stringLength(value, code, length);
    const buffer = this.buffer;
    let at = this.offset;
    for (let i = 0; i < length; i++) buffer[at++] = value.charCodeAt(i);
    buffer[at++] = 0;
    this.offset = at;
  }

  write(type: DBusType, value: unknown): void {
    switch (type.code) {
      case 'y':
        this.reserve(1);
        this.buffer[this.offset++] = Number(value) & 0xff;
        return;
      case 'b':
        return this.uint32(value ? 1 : 0);
      case 'u':
      case 'h': {
        const number = Number(value);
        if (number < 0 || number > 0xffffffff) throw new RangeError(`${number} is out of range for a uint32`);
        return this.uint32(number);
      }
      case 's':
      case 'o':
      case 'g':
        return this.string(value, type.code);
      case 'v':
        if (!(value instanceof Variant)) throw new Error(`expected a Variant, got ${typeof value}`);
        return this.variant(value.signature, value.value);
      case '(':
        return this.struct(type, value);
      case 'a':
        return this.array(type, value);
      default:
        return this.number(type, value);
    }
  }

  /**
   * The numeric types the Secret Service does not use (n q i x t d): apart from {@link write}, so that what every
   * call writes stays small to compile.
   */
  private number(type: DBusType, value: unknown): void {
    switch (type.code) {
      case 'n':
      case 'q':
        this.align(2);
        this.reserve(2);
        if (type.code === 'n') this.buffer.writeInt16LE(Number(value), this.offset);
        else this.buffer.writeUInt16LE(Number(value), this.offset);
        this.offset += 2;
        return;
      case 'i':
        this.align(4);
        this.reserve(4);
        this.buffer.writeInt32LE(Number(value), this.offset);
        this.offset += 4;
        return;
      case 'x':
      case 't':
        this.align(8);
        this.reserve(8);
        if (type.code === 'x') this.buffer.writeBigInt64LE(BigInt(value as bigint), this.offset);
        else this.buffer.writeBigUInt64LE(BigInt(value as bigint), this.offset);
        this.offset += 8;
        return;
      case 'd':
        this.align(8);
        this.reserve(8);
        this.buffer.writeDoubleLE(Number(value), this.offset);
        this.offset += 8;
        return;
      default:
        throw new Error(`cannot write type ${type.code}`);
    }
  }

  private struct(type: DBusType, value: unknown): void {
    const members = type.children;
    if (!Array.isArray(value) || value.length !== members.length) {
      throw new Error(`expected an array of ${members.length} members for ${type.signature}`);
    }
    this.align(8);
    for (let i = 0; i < members.length; i++) this.write(members[i], value[i]);
  }

  /** A variant of `signature` holding `value` (its signature, then the value). */
  variant(signature: string, value: unknown): void {
    const types = parseSignature(signature);
    if (types.length !== 1) throw new Error(`a variant must hold one complete type, not "${signature}"`);
    this.string(signature, 'g');
    this.write(types[0], value);
  }

  /**
   * A message's first 16 bytes: byte order, type, flags, version, then the body's length and the fields' length
   * (both 0 until patched), with the serial between them. Starts the writer over.
   */
  fixedHeader(byteOrder: number, type: number, flags: number, version: number, serial: number): void {
    if (!(serial > 0 && serial <= 0xffffffff)) throw new RangeError(`${serial} is not a valid serial`);
    this.offset = 0;
    this.reserve(16);
    const buffer = this.buffer;
    buffer[0] = byteOrder;
    buffer[1] = type;
    buffer[2] = flags;
    buffer[3] = version;
    setUint32(buffer, 4, 0);
    setUint32(buffer, 8, serial);
    setUint32(buffer, 12, 0);
    this.offset = 16;
  }

  /**
   * A header field: a struct (yv) of its code and a variant of a one-character basic type, written directly rather
   * than through {@link write} and a parsed signature (every message has four or five).
   */
  headerField(code: number, type: 'u' | 's' | 'o' | 'g', value: unknown): void {
    this.align(8);
    this.reserve(4);
    const buffer = this.buffer;
    buffer[this.offset] = code;
    buffer[this.offset + 1] = 1; // the variant's signature: one character
    buffer[this.offset + 2] = type.charCodeAt(0);
    buffer[this.offset + 3] = 0;
    this.offset += 4;
    if (type === 'u') this.uint32(value as number);
    else this.string(value, type);
  }

  /** Overwrites the 32-bit unsigned integer at `offset` (a length known only once what follows it is written). */
  patchUint32(offset: number, value: number): void {
    setUint32(this.buffer, offset, value);
  }

  private array(type: DBusType, value: unknown): void {
    const element = type.children[0];
    this.uint32(0);
    const lengthAt = this.offset - 4;
    this.align(ALIGNMENT[element.code]);
    const start = this.offset;
    if (element.code === 'y') {
      if (!(value instanceof Uint8Array)) throw new Error(`expected a Buffer or Uint8Array for ${type.signature}`);
      this.bytes(value);
    } else if (element.code === '{') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new Error(`expected an object for ${type.signature}`);
      }
      const [keyType, valueType] = element.children;
      const stringKeys = keyType.code === 's' || keyType.code === 'o' || keyType.code === 'g';
      const entry = (key: unknown, item: unknown) => {
        this.align(8);
        this.write(keyType, stringKeys ? String(key) : key);
        this.write(valueType, item);
      };
      if (value instanceof Map) {
        for (const [key, item] of value) entry(key, item);
      } else {
        // Keys, then each value: no [key, value] pair allocated per entry (Object.entries' would be).
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) entry(key, record[key]);
      }
    } else {
      if (!Array.isArray(value)) throw new Error(`expected an array for ${type.signature}`);
      for (const entry of value) this.write(element, entry);
    }
    const length = this.offset - start;
    if (length > MAX_ARRAY_BYTES)
      throw new UnsendableValueError(`an array of ${length} bytes is over the D-Bus limit of 64 MiB`);
    setUint32(this.buffer, lengthAt, length);
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  result(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

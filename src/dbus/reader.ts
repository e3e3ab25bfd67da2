/**
 * Unmarshalling, in either byte order, checking every length against the bytes actually received: a hostile message
 * can only ever produce an Error, never a hang, an unbounded allocation or a read past the end.
 */
import { decodeUtf8 } from '../utf8.js';
import { isObjectPath } from './names.js';
import { ALIGNMENT, MAX_ARRAY_BYTES, MAX_DEPTH, Variant, parseSignature, type DBusType } from './signature.js';

/**
 * The most values one message may decode to. Far above any Secret Service reply (a GetSecrets of 100,000 items is
 * 600,000), and it bounds what one message can make this process allocate: without it, 128 MiB of one-byte variants
 * become 32 million objects.
 */
export const MAX_VALUES_PER_MESSAGE = 2_097_152;

/** Reads values from a message, checking every length against the bytes actually present. */
export class Reader {
  offset: number;
  /** Values read so far (each element, member and variant counts). */
  values = 0;

  constructor(
    private readonly buffer: Buffer,
    private readonly littleEndian: boolean,
    start = 0,
    private readonly end = buffer.length,
    /** Offset of the message start within `buffer`, for alignment. */
    private readonly base = 0,
    /** At most this many values. */
    private readonly maxValues = Infinity,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Skips the padding up to `boundary`, which must be zero bytes (libdbus checks it too; GDBus does not). */
  align(boundary: number): void {
    const padding = (boundary - ((this.offset - this.base) % boundary)) % boundary;
    if (padding === 0) return;
    this.need(padding);
    const buffer = this.buffer;
    for (let at = this.offset, end = at + padding; at < end; at++) {
      if (buffer[at] !== 0) throw new Error('alignment padding that is not zero');
    }
    this.offset += padding;
  }

  private need(bytes: number): void {
    if (bytes > this.end - this.offset) {
      throw new Error(`the message ends ${bytes - (this.end - this.offset)} bytes early`);
    }
  }

  /** One byte (a `y`). */
  byte(): number {
    this.need(1);
    return this.buffer[this.offset++];
  }

  /** A `u`: its four bytes read directly (Buffer#readUInt32LE's checks are {@link need}'s, already made). */
  uint32(): number {
    this.align(4);
    this.need(4);
    const buffer = this.buffer;
    const at = this.offset;
    this.offset = at + 4;
    return this.littleEndian
      ? buffer[at] + buffer[at + 1] * 0x100 + buffer[at + 2] * 0x10000 + buffer[at + 3] * 0x1000000
      : buffer[at] * 0x1000000 + buffer[at + 1] * 0x10000 + buffer[at + 2] * 0x100 + buffer[at + 3];
  }

  /** An `o`, its syntax checked. */
  objectPath(): string {
    const path = this.string(4);
    if (!isObjectPath(path)) throw new Error('an object path of invalid syntax');
    return path;
  }

  /** A `g`, checked against the spec. */
  signature(): string {
    const signature = this.string(1);
    parseSignature(signature); // throws for one the spec does not allow
    return signature;
  }

  /** The value of a variant whose signature has been read: one complete type. */
  variantValue(signature: string, depth = 0): unknown {
    const [inner, ...rest] = parseSignature(signature);
    if (!inner || rest.length) throw new Error(`a variant holding "${signature}", not one complete type`);
    return this.read(inner, depth + 1);
  }

  /**
   * A string (`s`, `o` and `g` without their checks): its length in `lengthBytes` bytes, the bytes, a NUL. The bytes
   * must be UTF-8 without a NUL, as the spec says and libdbus, GDBus and sd-bus check: `Buffer#toString` would put
   * U+FFFD for what is not UTF-8 (so that different bytes read as one string) and keep a NUL.
   */
  string(lengthBytes: 1 | 4): string {
    let length: number;
    if (lengthBytes === 1) {
      this.need(1);
      length = this.buffer[this.offset++];
    } else {
      length = this.uint32();
    }
    this.need(length + 1);
    if (this.buffer[this.offset + length] !== 0) throw new Error('a string without its terminating NUL');
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    if (value.includes('\0')) throw new Error('a string with a NUL inside');
    // A U+FFFD is either one that was sent (EF BF BD, valid) or bytes that are not UTF-8: only then is it looked at again.
    if (
      value.includes('\uFFFD') &&
      decodeUtf8(this.buffer.subarray(this.offset, this.offset + length), true) === undefined
    ) {
      throw new Error('a string that is not UTF-8');
    }
    this.offset += length + 1;
    return value;
  }

  read(type: DBusType, depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new Error('values nested deeper than the spec allows');
    if (++this.values > this.maxValues) throw new Error(`more than ${this.maxValues} values in one message`);
    switch (type.code) {
      case 'y':
        return this.byte();
      case 'b': {
        const value = this.uint32();
        if (value > 1) throw new Error(`a boolean of ${value}`);
        return value === 1;
      }
      case 'u':
      case 'h':
        return this.uint32();
      case 's':
        return this.string(4);
      case 'o':
        return this.objectPath();
      case 'g':
        return this.signature();
      case 'v': {
        const signature = this.string(1);
        return new Variant(signature, this.variantValue(signature, depth));
      }
      case '(':
        return this.struct(type, depth);
      case 'a':
        return this.array(type, depth);
      default:
        return this.number(type);
    }
  }

  /**
   * The numeric types the Secret Service does not use (n q i x t d): apart from {@link read}, so that what every
   * reply reads stays small to compile.
   */
  private number(type: DBusType): number | bigint {
    const le = this.littleEndian;
    const buffer = this.buffer;
    let value: number | bigint;
    switch (type.code) {
      case 'n':
      case 'q':
        this.align(2);
        this.need(2);
        if (type.code === 'n') value = le ? buffer.readInt16LE(this.offset) : buffer.readInt16BE(this.offset);
        else value = le ? buffer.readUInt16LE(this.offset) : buffer.readUInt16BE(this.offset);
        this.offset += 2;
        return value;
      case 'i':
        this.align(4);
        this.need(4);
        value = le ? buffer.readInt32LE(this.offset) : buffer.readInt32BE(this.offset);
        this.offset += 4;
        return value;
      case 'x':
      case 't':
        this.align(8);
        this.need(8);
        if (type.code === 'x') value = le ? buffer.readBigInt64LE(this.offset) : buffer.readBigInt64BE(this.offset);
        else value = le ? buffer.readBigUInt64LE(this.offset) : buffer.readBigUInt64BE(this.offset);
        this.offset += 8;
        return value;
      case 'd':
        this.align(8);
        this.need(8);
        value = le ? buffer.readDoubleLE(this.offset) : buffer.readDoubleBE(this.offset);
        this.offset += 8;
        return value;
      default:
        throw new Error(`cannot read type ${type.code}`);
    }
  }

  private struct(type: DBusType, depth: number): unknown[] {
    this.align(8);
    const members = type.children;
    const result: unknown[] = [];
    for (let i = 0; i < members.length; i++) result.push(this.read(members[i], depth + 1));
    return result;
  }

  private array(type: DBusType, depth: number): unknown {
    const length = this.uint32();
    if (length > MAX_ARRAY_BYTES) throw new Error(`an array of ${length} bytes, over the D-Bus limit of 64 MiB`);
    const element = type.children[0];
    this.align(ALIGNMENT[element.code]);
    this.need(length);
    const end = this.offset + length;
    if (element.code === 'y') {
      // A copy, so the value never pins (or exposes) the rest of the receive buffer.
      const bytes = Buffer.from(this.buffer.subarray(this.offset, end));
      this.offset = end;
      return bytes;
    }
    if (element.code === '{') {
      const [keyType, valueType] = element.children;
      const result: Record<string, unknown> = {};
      while (this.offset < end) {
        this.align(8);
        const key = String(this.read(keyType, depth + 1));
        const value = this.read(valueType, depth + 1);
        // A plain assignment to "__proto__" would change the object's prototype instead of adding a key.
        if (key === '__proto__')
          Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
        else result[key] = value;
      }
      if (this.offset !== end) throw new Error('an array whose elements overrun its length');
      return result;
    }
    const result: unknown[] = [];
    while (this.offset < end) result.push(this.read(element, depth + 1));
    if (this.offset !== end) throw new Error('an array whose elements overrun its length');
    return result;
  }
}

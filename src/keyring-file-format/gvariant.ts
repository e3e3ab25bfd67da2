/**
 * GVariant serialisation (GLib's, not D-Bus's: little-endian, framing offsets at the end of containers instead of
 * length prefixes), for the types keyring files use: `y`, `u`, `t`, `s`, arrays, structures and dictionary entries.
 * libsecret stores a keyring file with `g_variant_store` and oo7 with zvariant's GVariant context; both write the
 * normal form, which is what {@link encodeGVariant} writes. {@link decodeGVariant} checks every offset, size and
 * string against the bytes it was given and throws on anything out of place, where GLib would substitute defaults:
 * a damaged keyring file must be reported, never read as empty.
 */
import { wipe } from '../crypto/bytes.js';
import { decodeUtf8, isPlainAscii } from '../utf8.js';
import { alignUp, GVariantError, membersOf, parseGVariantType, type GVariantType } from './gvariant-type.js';

export { GVariantError, parseGVariantType, type GVariantType } from './gvariant-type.js';

/**
 * `ay` decodes to bytes, `a{..}` to `[key, value]` pairs, other arrays and structures to arrays. A
 * {@link SerializedGVariant} is only ever encoded.
 */
export type GVariantValue = number | bigint | string | Uint8Array | SerializedGVariant | GVariantValue[];

/**
 * A value already serialised as the type it is encoded as (by {@link encodeGVariantValue}, in normal form): written
 * as it is, so that a caller that writes the same values again and again (a keyring file's items) encodes each once.
 */
export class SerializedGVariant {
  constructor(readonly bytes: Uint8Array) {}
}

/** The width of the framing offsets of a container of `size` bytes (GLib's `gvs_get_offset_size`). */
function offsetWidth(size: number): number {
  if (size > 0xffffffff) return 8;
  if (size > 0xffff) return 4;
  if (size > 0xff) return 2;
  return size > 0 ? 1 : 0;
}

/** The width of the framing offsets of a container with `bodySize` bytes before its `count` offsets. */
function frameWidth(bodySize: number, count: number): number {
  if (count === 0) return 0;
  if (bodySize + count <= 0xff) return 1;
  if (bodySize + 2 * count <= 0xffff) return 2;
  if (bodySize + 4 * count <= 0xffffffff) return 4;
  return 8;
}

/** Strings up to this many characters are checked and copied in JavaScript when they are plain ASCII. */
const SHORT_STRING = 128;

const textEncoder = new TextEncoder();

function expect(condition: boolean, what: string): asserts condition {
  if (!condition) throw new GVariantError(what);
}

/**
 * Writes a whole value into one growing buffer. Every container's alignments and framing offsets count from the
 * container's own start (`base`), so a value's bytes are what they would be serialised alone.
 */
class Writer {
  buffer = new Uint8Array(1024);
  length = 0;

  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
    grown.set(this.buffer.subarray(0, this.length));
    // What was written may include secrets (an item's plaintext): do not leave a copy in the old buffer.
    wipe(this.buffer);
    this.buffer = grown;
  }

  padTo(alignment: number, base: number): void {
    const padding = alignUp(this.length - base, alignment) - (this.length - base);
    if (padding === 0) return;
    this.reserve(padding);
    for (let i = 0; i < padding; i++) this.buffer[this.length++] = 0;
  }

  uint(value: number, width: number): void {
    this.reserve(width);
    const buffer = this.buffer;
    for (let byte = 0; byte < width; byte++) buffer[this.length++] = (value / 2 ** (8 * byte)) & 0xff;
  }

  /** Framing offsets (relative to `base`), each `width` bytes. */
  offsets(ends: number[], width: number, reversed: boolean): void {
    for (let i = 0; i < ends.length; i++) {
      const end = ends[reversed ? ends.length - 1 - i : i];
      if (width === 8) {
        this.uint(end % 2 ** 32, 4);
        this.uint(Math.floor(end / 2 ** 32), 4);
      } else {
        this.uint(end, width);
      }
    }
  }

  string(value: string): void {
    const length = value.length;
    if (length <= SHORT_STRING && isPlainAscii(value)) {
      this.reserve(length + 1);
      const buffer = this.buffer;
      let at = this.length;
      for (let i = 0; i < length; i++) buffer[at++] = value.charCodeAt(i);
      buffer[at++] = 0;
      this.length = at;
      return;
    }
    expect(!value.includes('\0') && value.isWellFormed(), 'bad s');
    // At most three bytes of UTF-8 for each UTF-16 code unit.
    this.reserve(length * 3 + 1);
    this.length += textEncoder.encodeInto(value, this.buffer.subarray(this.length)).written;
    this.buffer[this.length++] = 0;
  }

  /** The bytes written, in a buffer of their own; the writer's buffer is zeroed (it may hold secrets). */
  result(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.buffer.fill(0, 0, this.length);
    return out;
  }
}

function encodeInto(writer: Writer, type: GVariantType, value: GVariantValue): void {
  if (value instanceof SerializedGVariant) {
    writer.reserve(value.bytes.length);
    writer.buffer.set(value.bytes, writer.length);
    writer.length += value.bytes.length;
    return;
  }
  switch (type.code) {
    case 'y':
    case 'u': {
      const max = type.code === 'y' ? 0xff : 0xffffffff;
      expect(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max, `bad ${type.code}`);
      return writer.uint(value, type.code === 'y' ? 1 : 4);
    }
    case 't': {
      expect(typeof value === 'bigint' && value >= 0n && value < 2n ** 64n, 'bad t');
      writer.uint(Number(value & 0xffffffffn), 4);
      return writer.uint(Number(value >> 32n), 4);
    }
    case 's':
      expect(typeof value === 'string', 'bad s');
      return writer.string(value);
    case 'a': {
      const element = type.element;
      if (element.code === 'y') {
        expect(value instanceof Uint8Array, 'bad ay');
        writer.reserve(value.length);
        writer.buffer.set(value, writer.length);
        writer.length += value.length;
        return;
      }
      expect(Array.isArray(value), 'bad array');
      const base = writer.length;
      const variable = element.fixedSize === undefined;
      const ends: number[] = [];
      for (let i = 0; i < value.length; i++) {
        writer.padTo(element.alignment, base);
        encodeInto(writer, element, value[i]);
        if (variable) ends.push(writer.length - base);
      }
      return writer.offsets(ends, frameWidth(writer.length - base, ends.length), false);
    }
    default: {
      const members = membersOf(type);
      expect(Array.isArray(value) && value.length === members.length, `bad structure of ${members.length}`);
      const base = writer.length;
      const ends: number[] = [];
      for (let i = 0; i < members.length; i++) {
        const member = members[i];
        writer.padTo(member.alignment, base);
        encodeInto(writer, member, value[i]);
        if (member.fixedSize === undefined && i < members.length - 1) ends.push(writer.length - base);
      }
      if (type.fixedSize !== undefined) {
        writer.padTo(type.alignment, base);
        // Only the unit structure `()` is shorter than its size: one zero byte.
        while (writer.length - base < type.fixedSize) writer.uint(0, 1);
        return;
      }
      return writer.offsets(ends, frameWidth(writer.length - base, ends.length), true);
    }
  }
}

/** The normal-form serialisation of `value` as `type`. @throws GVariantError when the value does not fit the type. */
export function encodeGVariantValue(type: GVariantType, value: GVariantValue): Uint8Array {
  const writer = new Writer();
  try {
    encodeInto(writer, type, value);
  } catch (error) {
    wipe(writer.buffer);
    throw error;
  }
  return writer.result();
}

/** The bytes being decoded, and a Buffer over them for Latin-1 reads of ASCII strings. */
interface Input {
  data: Uint8Array;
  text: Buffer;
  /** `ay` values as views of `data` rather than copies. */
  views: boolean;
}

function readOffset(input: Input, at: number, width: number, containerSize: number): number {
  const data = input.data;
  let value = 0;
  for (let byte = width - 1; byte >= 0; byte--) value = value * 256 + data[at + byte];
  if (width === 8) expect(value <= containerSize, 'framing offset past the end');
  return value;
}

function decodeString(input: Input, start: number, end: number): string {
  const data = input.data;
  expect(end > start && data[end - 1] === 0, 'a string without its terminating NUL');
  let ascii = true;
  for (let at = start; at < end - 1; at++) {
    const byte = data[at];
    expect(byte !== 0, 'a string with a NUL inside');
    if (byte > 0x7f) ascii = false;
  }
  if (ascii) return input.text.toString('latin1', start, end - 1);
  // A leading U+FEFF is part of the string, as GLib reads it (a decoder that dropped it would change the value).
  const text = decodeUtf8(data.subarray(start, end - 1), true);
  expect(text !== undefined, 'a string that is not UTF-8');
  return text;
}

/** The value in `input.data[start, end)` as `type`, all of that range being the value. */
function decodeFrom(input: Input, type: GVariantType, start: number, end: number): GVariantValue {
  const data = input.data;
  const size = end - start;
  switch (type.code) {
    case 'y':
      expect(size === 1, `a byte of ${size} bytes`);
      return data[start];
    case 'u':
      expect(size === 4, `a uint32 of ${size} bytes`);
      return (data[start] | (data[start + 1] << 8) | (data[start + 2] << 16) | (data[start + 3] << 24)) >>> 0;
    case 't': {
      expect(size === 8, `a uint64 of ${size} bytes`);
      const low = (data[start] | (data[start + 1] << 8) | (data[start + 2] << 16) | (data[start + 3] << 24)) >>> 0;
      const high = (data[start + 4] | (data[start + 5] << 8) | (data[start + 6] << 16) | (data[start + 7] << 24)) >>> 0;
      return (BigInt(high) << 32n) | BigInt(low);
    }
    case 's':
      return decodeString(input, start, end);
    case 'a': {
      const element = type.element;
      if (element.code === 'y') {
        // A copy, unless asked for views (a Buffer's slice() would be a view of bytes the caller may wipe).
        const bytes = new Uint8Array(data.buffer, data.byteOffset + start, size);
        return input.views ? bytes : new Uint8Array(bytes);
      }
      const values: GVariantValue[] = [];
      const elementSize = element.fixedSize;
      if (elementSize !== undefined) {
        expect(size % elementSize === 0, `an array of ${size} bytes of ${elementSize}-byte elements`);
        for (let at = start; at < end; at += elementSize) values.push(decodeFrom(input, element, at, at + elementSize));
        return values;
      }
      if (size === 0) return values;
      const width = offsetWidth(size);
      expect(size >= width, 'an array too short for its framing offset');
      const tableStart = readOffset(input, end - width, width, size);
      expect(tableStart <= size - width, 'an array whose framing offsets start past its end');
      expect((size - tableStart) % width === 0, 'an array whose framing offsets do not fill its end');
      let elementStart = 0;
      for (let at = start + tableStart; at < end; at += width) {
        const elementEnd = readOffset(input, at, width, size);
        elementStart = alignUp(elementStart, element.alignment);
        expect(elementStart <= elementEnd && elementEnd <= tableStart, 'an array element outside the array');
        values.push(decodeFrom(input, element, start + elementStart, start + elementEnd));
        elementStart = elementEnd;
      }
      return values;
    }
    default: {
      const members = membersOf(type);
      if (type.fixedSize !== undefined) expect(size === type.fixedSize, `a fixed structure of ${size} bytes`);
      const width = offsetWidth(size);
      let framesEnd = size;
      let memberStart = 0;
      const values: GVariantValue[] = [];
      for (let i = 0; i < members.length; i++) {
        const member = members[i];
        memberStart = alignUp(memberStart, member.alignment);
        let memberEnd: number;
        if (member.fixedSize !== undefined) {
          memberEnd = memberStart + member.fixedSize;
        } else if (i === members.length - 1) {
          memberEnd = framesEnd;
        } else {
          expect(framesEnd - width >= memberStart, 'a structure too short for its framing offsets');
          framesEnd -= width;
          memberEnd = readOffset(input, start + framesEnd, width, size);
        }
        expect(memberStart <= memberEnd && memberEnd <= framesEnd, 'a structure member outside the structure');
        values.push(decodeFrom(input, member, start + memberStart, start + memberEnd));
        memberStart = memberEnd;
      }
      return values;
    }
  }
}

export interface DecodeOptions {
  /**
   * Return `ay` values as views of `data` instead of copies: fewer allocations, for data that outlives the values and
   * is never wiped (a file's encrypted contents, not a decrypted item).
   */
  byteViews?: boolean;
}

/**
 * The value `data` holds as `type`, all of `data` being that value.
 * @throws GVariantError naming what is out of place (a size, an offset, a string without its NUL or not UTF-8).
 */
export function decodeGVariantValue(type: GVariantType, data: Uint8Array, options: DecodeOptions = {}): GVariantValue {
  const input = {
    data,
    text: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    views: options.byteViews === true,
  };
  return decodeFrom(input, type, 0, data.length);
}

/** Encodes `value` as the type `signature` names. @throws GVariantError. */
export function encodeGVariant(signature: string, value: GVariantValue): Uint8Array {
  return encodeGVariantValue(parseGVariantType(signature), value);
}

/** Decodes `data` as the type `signature` names. @throws GVariantError. */
export function decodeGVariant(signature: string, data: Uint8Array, options: DecodeOptions = {}): GVariantValue {
  return decodeGVariantValue(parseGVariantType(signature), data, options);
}

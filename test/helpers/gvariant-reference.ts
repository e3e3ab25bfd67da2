/**
 * The GVariant codec as it was first written (src/keyring-file-format/gvariant.ts before it wrote into one buffer):
 * every value serialised on its own and concatenated, alignments and sizes worked out again for every value. Slow,
 * but plain enough to check by reading; test/unit/keyring-file-format.test.ts compares the fast codec with it on
 * generated types, values and damaged bytes.
 */
export type GVariantType =
  | { code: 'y' | 'u' | 't' | 's' }
  | { code: 'a'; element: GVariantType }
  | { code: '('; members: GVariantType[] }
  | { code: '{'; key: GVariantType; value: GVariantType };

/** `ay` decodes to bytes, `a{..}` to `[key, value]` pairs, other arrays and structures to arrays. */
export type GVariantValue = number | bigint | string | Uint8Array | GVariantValue[];

/** The serialised data do not have the type they should: what is wrong, and where. */
export class GVariantError extends Error {}

/** The type tree of a signature such as `(uayutua(a{say}ay))`. @throws GVariantError for a malformed one. */
export function parseGVariantType(signature: string): GVariantType {
  let position = 0;
  const next = (): GVariantType => {
    const code = signature[position++];
    switch (code) {
      case 'y':
      case 'u':
      case 't':
      case 's':
        return { code };
      case 'a':
        return { code: 'a', element: next() };
      case '(': {
        const members: GVariantType[] = [];
        while (signature[position] !== ')') {
          if (position >= signature.length) throw new GVariantError(`unclosed structure in ${signature}`);
          members.push(next());
        }
        position++;
        return { code: '(', members };
      }
      case '{': {
        const key = next();
        const value = next();
        if (signature[position++] !== '}') throw new GVariantError(`bad dictionary entry in ${signature}`);
        return { code: '{', key, value };
      }
      default:
        throw new GVariantError(`unsupported type code ${JSON.stringify(code)} in ${signature}`);
    }
  };
  const type = next();
  if (position !== signature.length) throw new GVariantError(`trailing characters in ${signature}`);
  return type;
}

function membersOf(type: GVariantType): GVariantType[] {
  if (type.code === '(') return type.members;
  if (type.code === '{') return [type.key, type.value];
  return [];
}

function alignmentOf(type: GVariantType): number {
  switch (type.code) {
    case 'u':
      return 4;
    case 't':
      return 8;
    case 'a':
      return alignmentOf(type.element);
    case '(':
    case '{':
      return Math.max(1, ...membersOf(type).map(alignmentOf));
    default:
      return 1;
  }
}

/** The size of every value of a fixed-size type, or undefined for a variable-size one. */
function fixedSizeOf(type: GVariantType): number | undefined {
  switch (type.code) {
    case 'y':
      return 1;
    case 'u':
      return 4;
    case 't':
      return 8;
    case 's':
    case 'a':
      return undefined;
    default: {
      let size = 0;
      for (const member of membersOf(type)) {
        const memberSize = fixedSizeOf(member);
        if (memberSize === undefined) return undefined;
        size = alignUp(size, alignmentOf(member)) + memberSize;
      }
      // The unit structure `()` takes one byte.
      return size === 0 ? 1 : alignUp(size, alignmentOf(type));
    }
  }
}

function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

/** The width of the framing offsets of a container of `size` bytes (GLib's `gvs_get_offset_size`). */
function offsetWidth(size: number): number {
  if (size > 0xffffffff) return 8;
  if (size > 0xffff) return 4;
  if (size > 0xff) return 2;
  return size > 0 ? 1 : 0;
}

/** The total size of a container with `bodySize` bytes and `count` framing offsets, and their width. */
function frame(bodySize: number, count: number): { total: number; width: number } {
  if (count === 0) return { total: bodySize, width: 0 };
  for (const [width, limit] of [
    [1, 0xff],
    [2, 0xffff],
    [4, 0xffffffff],
  ]) {
    if (bodySize + width * count <= limit) return { total: bodySize + width * count, width };
  }
  return { total: bodySize + 8 * count, width: 8 };
}

const textEncoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is part of the string (GLib keeps it; the first version dropped it, which the fast
// codec no longer does, so the reference keeps it too).
const strictText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Writer {
  chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  padTo(alignment: number): void {
    const padded = alignUp(this.length, alignment);
    if (padded > this.length) this.push(new Uint8Array(padded - this.length));
  }

  offsets(values: number[], width: number): void {
    const bytes = new Uint8Array(values.length * width);
    const view = new DataView(bytes.buffer);
    values.forEach((value, index) => {
      if (width === 8) view.setBigUint64(index * 8, BigInt(value), true);
      else for (let byte = 0; byte < width; byte++) bytes[index * width + byte] = (value / 2 ** (8 * byte)) & 0xff;
    });
    this.push(bytes);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function expect(condition: boolean, what: string): asserts condition {
  if (!condition) throw new GVariantError(what);
}

function encodeInto(writer: Writer, type: GVariantType, value: GVariantValue): void {
  // Each value is encoded on its own, so that its alignments are relative to its start; its parent placed that
  // start at a multiple of the value's alignment.
  writer.push(encodeGVariantValue(type, value));
}

/** The normal-form serialisation of `value` as `type`. @throws GVariantError when the value does not fit the type. */
export function encodeGVariantValue(type: GVariantType, value: GVariantValue): Uint8Array {
  switch (type.code) {
    case 'y':
    case 'u': {
      const max = type.code === 'y' ? 0xff : 0xffffffff;
      expect(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max, `bad ${type.code}`);
      const bytes = new Uint8Array(type.code === 'y' ? 1 : 4);
      if (type.code === 'y') bytes[0] = value;
      else new DataView(bytes.buffer).setUint32(0, value, true);
      return bytes;
    }
    case 't': {
      expect(typeof value === 'bigint' && value >= 0n && value < 2n ** 64n, 'bad t');
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, value, true);
      return bytes;
    }
    case 's': {
      expect(typeof value === 'string' && !value.includes('\0') && value.isWellFormed(), 'bad s');
      const text = textEncoder.encode(value);
      const bytes = new Uint8Array(text.length + 1);
      bytes.set(text);
      return bytes;
    }
    case 'a': {
      if (type.element.code === 'y') {
        expect(value instanceof Uint8Array, 'bad ay');
        return Uint8Array.from(value);
      }
      expect(Array.isArray(value), 'bad array');
      const writer = new Writer();
      const alignment = alignmentOf(type.element);
      const fixed = fixedSizeOf(type.element) !== undefined;
      const ends: number[] = [];
      for (const element of value) {
        writer.padTo(alignment);
        encodeInto(writer, type.element, element);
        ends.push(writer.length);
      }
      if (!fixed) {
        const { width } = frame(writer.length, ends.length);
        writer.offsets(ends, width);
      }
      return writer.bytes();
    }
    default: {
      const members = membersOf(type);
      expect(Array.isArray(value) && value.length === members.length, `bad structure of ${members.length}`);
      const writer = new Writer();
      const ends: number[] = [];
      members.forEach((member, index) => {
        writer.padTo(alignmentOf(member));
        encodeInto(writer, member, value[index]);
        if (fixedSizeOf(member) === undefined && index < members.length - 1) ends.push(writer.length);
      });
      const fixedSize = fixedSizeOf(type);
      if (fixedSize !== undefined) {
        writer.padTo(alignmentOf(type));
        if (writer.length < fixedSize) writer.push(new Uint8Array(fixedSize - writer.length));
        return writer.bytes();
      }
      const { width } = frame(writer.length, ends.length);
      writer.offsets(ends.reverse(), width);
      return writer.bytes();
    }
  }
}

function readOffset(data: Uint8Array, at: number, width: number): number {
  let value = 0;
  if (width === 8) {
    const big = new DataView(data.buffer, data.byteOffset + at, 8).getBigUint64(0, true);
    expect(big <= BigInt(data.length), 'framing offset past the end');
    return Number(big);
  }
  for (let byte = width - 1; byte >= 0; byte--) value = value * 256 + data[at + byte];
  return value;
}

/**
 * The value `data` holds as `type`, all of `data` being that value.
 * @throws GVariantError naming what is out of place (a size, an offset, a string without its NUL or not UTF-8).
 */
export function decodeGVariantValue(type: GVariantType, data: Uint8Array): GVariantValue {
  switch (type.code) {
    case 'y':
      expect(data.length === 1, `a byte of ${data.length} bytes`);
      return data[0];
    case 'u':
      expect(data.length === 4, `a uint32 of ${data.length} bytes`);
      return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
    case 't':
      expect(data.length === 8, `a uint64 of ${data.length} bytes`);
      return new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    case 's': {
      expect(data.length > 0 && data[data.length - 1] === 0, 'a string without its terminating NUL');
      const body = data.subarray(0, data.length - 1);
      expect(!body.includes(0), 'a string with a NUL inside');
      try {
        return strictText.decode(body);
      } catch {
        throw new GVariantError('a string that is not UTF-8');
      }
    }
    case 'a': {
      if (type.element.code === 'y') return Uint8Array.from(data);
      const alignment = alignmentOf(type.element);
      const elementSize = fixedSizeOf(type.element);
      const values: GVariantValue[] = [];
      if (elementSize !== undefined) {
        expect(data.length % elementSize === 0, `an array of ${data.length} bytes of ${elementSize}-byte elements`);
        for (let at = 0; at < data.length; at += elementSize) {
          values.push(decodeGVariantValue(type.element, data.subarray(at, at + elementSize)));
        }
        return values;
      }
      if (data.length === 0) return values;
      const width = offsetWidth(data.length);
      expect(data.length >= width, 'an array too short for its framing offset');
      const tableStart = readOffset(data, data.length - width, width);
      expect(tableStart <= data.length - width, 'an array whose framing offsets start past its end');
      expect((data.length - tableStart) % width === 0, 'an array whose framing offsets do not fill its end');
      let start = 0;
      for (let at = tableStart; at < data.length; at += width) {
        const end = readOffset(data, at, width);
        start = alignUp(start, alignment);
        expect(start <= end && end <= tableStart, 'an array element outside the array');
        values.push(decodeGVariantValue(type.element, data.subarray(start, end)));
        start = end;
      }
      return values;
    }
    default: {
      const members = membersOf(type);
      const fixedSize = fixedSizeOf(type);
      if (fixedSize !== undefined) expect(data.length === fixedSize, `a fixed structure of ${data.length} bytes`);
      const width = offsetWidth(data.length);
      let framesEnd = data.length;
      let start = 0;
      const values: GVariantValue[] = [];
      members.forEach((member, index) => {
        start = alignUp(start, alignmentOf(member));
        const memberSize = fixedSizeOf(member);
        let end: number;
        if (memberSize !== undefined) {
          end = start + memberSize;
        } else if (index === members.length - 1) {
          end = framesEnd;
        } else {
          expect(framesEnd - width >= start, 'a structure too short for its framing offsets');
          framesEnd -= width;
          end = readOffset(data, framesEnd, width);
        }
        expect(start <= end && end <= framesEnd, 'a structure member outside the structure');
        values.push(decodeGVariantValue(member, data.subarray(start, end)));
        start = end;
      });
      return values;
    }
  }
}

/** Encodes `value` as the type `signature` names. @throws GVariantError. */
export function encodeGVariant(signature: string, value: GVariantValue): Uint8Array {
  return encodeGVariantValue(parseGVariantType(signature), value);
}

/** Decodes `data` as the type `signature` names. @throws GVariantError. */
export function decodeGVariant(signature: string, data: Uint8Array): GVariantValue {
  return decodeGVariantValue(parseGVariantType(signature), data);
}

/**
 * The D-Bus type system on the wire: signatures parsed once into type trees, values written little-endian with the
 * spec's alignment, and a reader that checks every length against the bytes actually received, so a hostile message
 * can only ever produce an Error (never a hang, an unbounded allocation or a read past the end).
 *
 * Values: y n q i u h d → number, b → boolean, x t → bigint, s o g → string, ay → Buffer, other arrays → Array,
 * a{kv} → plain object (keys as strings), structs → Array, v → Variant.
 */

export interface DBusType {
  code: string;
  /** Element type of `a`, members of `(`, key and value of `{`. */
  children: DBusType[];
  /** The signature this type was parsed from, e.g. `a{sv}`. */
  signature: string;
}

/** A value of D-Bus type `v`: the signature of what it holds, and the value. */
export class Variant<T = unknown> {
  constructor(
    readonly signature: string,
    readonly value: T,
  ) {}
}

const BASIC = 'ybnqiuxtdsogh';
const MAX_SIGNATURE_LENGTH = 255;
const MAX_DEPTH = 64;
/** The spec's largest array (2^26 bytes). */
export const MAX_ARRAY_BYTES = 67108864;

const ALIGNMENT: Record<string, number> = {
  y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, h: 4, a: 4, '(': 8, '{': 8, v: 1,
};

const signatureCache = new Map<string, DBusType[]>();

/**
 * Parses a signature into its complete types (cached).
 * @throws Error for anything the spec does not allow: unknown codes, empty structs, dict entries outside arrays or
 *   with a non-basic key, nesting beyond 64 levels, more than 255 characters.
 */
export function parseSignature(signature: string): DBusType[] {
  const cached = signatureCache.get(signature);
  if (cached) return cached;
  if (signature.length > MAX_SIGNATURE_LENGTH) throw new Error('a signature longer than 255 characters');
  let index = 0;
  const single = (depth: number, inArray: boolean): DBusType => {
    if (depth > MAX_DEPTH) throw new Error('a signature nested deeper than the spec allows');
    const start = index;
    const code = signature[index++];
    if (code === undefined) throw new Error(`the signature "${signature}" ends early`);
    const children: DBusType[] = [];
    if (code === 'a') {
      children.push(single(depth + 1, true));
    } else if (code === '(') {
      if (signature[index] === ')') throw new Error('an empty struct in a signature');
      while (signature[index] !== ')') {
        if (index >= signature.length) throw new Error(`an unclosed struct in "${signature}"`);
        children.push(single(depth + 1, false));
      }
      index++;
    } else if (code === '{') {
      if (!inArray) throw new Error('a dict entry outside an array');
      const key = single(depth + 1, false);
      if (!BASIC.includes(key.code)) throw new Error('a dict entry with a non-basic key');
      children.push(key, single(depth + 1, false));
      if (signature[index++] !== '}') throw new Error('a dict entry with other than two types');
    } else if (!BASIC.includes(code) && code !== 'v') {
      throw new Error(`the type code "${code}" in a signature`);
    }
    return { code, children, signature: signature.slice(start, index) };
  };
  const types: DBusType[] = [];
  while (index < signature.length) types.push(single(0, false));
  if (signatureCache.size < 1024) signatureCache.set(signature, types);
  return types;
}

/** Throws unless `signature` is a valid D-Bus signature (see {@link parseSignature}). */
export function assertSignature(signature: string): void {
  parseSignature(signature);
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
    if (this.offset + bytes <= this.buffer.length) return;
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
    this.buffer.fill(0, this.offset, this.offset + padding);
    this.offset += padding;
  }

  private uint32(value: number): void {
    this.align(4);
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.offset);
    this.offset += 4;
  }

  private bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  private string(value: unknown, lengthBytes: 1 | 4, what: string): void {
    if (typeof value !== 'string') throw new Error(`expected a string for ${what}, got ${typeof value}`);
    const length = Buffer.byteLength(value);
    if (lengthBytes === 1) {
      if (length > 255) throw new Error('a signature longer than 255 bytes');
      this.reserve(1);
      this.buffer[this.offset++] = length;
    } else {
      this.uint32(length);
    }
    this.reserve(length + 1);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
    this.buffer[this.offset++] = 0;
  }

  write(type: DBusType, value: unknown): void {
    switch (type.code) {
      case 'y':
        this.reserve(1);
        this.buffer[this.offset++] = Number(value) & 0xff;
        return;
      case 'b':
        return this.uint32(value ? 1 : 0);
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
      case 'u':
      case 'h':
        return this.uint32(Number(value));
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
      case 's':
      case 'o':
        return this.string(value, 4, type.code === 's' ? 'a string' : 'an object path');
      case 'g':
        return this.string(value, 1, 'a signature');
      case 'v': {
        if (!(value instanceof Variant)) throw new Error(`expected a Variant, got ${typeof value}`);
        const [inner, ...rest] = parseSignature(value.signature);
        if (!inner || rest.length) throw new Error(`a variant must hold one complete type, not "${value.signature}"`);
        this.string(value.signature, 1, 'a signature');
        return this.write(inner, value.value);
      }
      case '(': {
        if (!Array.isArray(value) || value.length !== type.children.length) {
          throw new Error(`expected an array of ${type.children.length} members for ${type.signature}`);
        }
        this.align(8);
        type.children.forEach((member, i) => this.write(member, value[i]));
        return;
      }
      case 'a':
        return this.array(type, value);
      default:
        throw new Error(`cannot write type ${type.code}`);
    }
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
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [key, entry] of entries) {
        this.align(8);
        this.write(keyType, keyType.code === 's' || keyType.code === 'o' || keyType.code === 'g' ? String(key) : key);
        this.write(valueType, entry);
      }
    } else {
      if (!Array.isArray(value)) throw new Error(`expected an array for ${type.signature}`);
      for (const entry of value) this.write(element, entry);
    }
    const length = this.offset - start;
    if (length > MAX_ARRAY_BYTES) throw new Error(`an array of ${length} bytes is over the D-Bus limit of 64 MiB`);
    this.buffer.writeUInt32LE(length, lengthAt);
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  result(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/** Reads values from a message, checking every length against the bytes actually present. */
export class Reader {
  offset: number;

  constructor(
    private readonly buffer: Buffer,
    private readonly littleEndian: boolean,
    start = 0,
    private readonly end = buffer.length,
    /** Offset of the message start within `buffer`, for alignment. */
    private readonly base = 0,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  align(boundary: number): void {
    const padding = (boundary - ((this.offset - this.base) % boundary)) % boundary;
    this.need(padding);
    this.offset += padding;
  }

  private need(bytes: number): void {
    if (bytes > this.end - this.offset) {
      throw new Error(`the message ends ${bytes - (this.end - this.offset)} bytes early`);
    }
  }

  private uint32(): number {
    this.align(4);
    this.need(4);
    const value = this.littleEndian ? this.buffer.readUInt32LE(this.offset) : this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  private string(lengthBytes: 1 | 4): string {
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
    this.offset += length + 1;
    return value;
  }

  read(type: DBusType, depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new Error('values nested deeper than the spec allows');
    switch (type.code) {
      case 'y':
        this.need(1);
        return this.buffer[this.offset++];
      case 'b': {
        const value = this.uint32();
        if (value > 1) throw new Error(`a boolean of ${value}`);
        return value === 1;
      }
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const le = this.littleEndian;
        const value =
          type.code === 'n'
            ? le ? this.buffer.readInt16LE(this.offset) : this.buffer.readInt16BE(this.offset)
            : le ? this.buffer.readUInt16LE(this.offset) : this.buffer.readUInt16BE(this.offset);
        this.offset += 2;
        return value;
      }
      case 'i': {
        this.align(4);
        this.need(4);
        const value = this.littleEndian ? this.buffer.readInt32LE(this.offset) : this.buffer.readInt32BE(this.offset);
        this.offset += 4;
        return value;
      }
      case 'u':
      case 'h':
        return this.uint32();
      case 'x':
      case 't': {
        this.align(8);
        this.need(8);
        const le = this.littleEndian;
        const value =
          type.code === 'x'
            ? le ? this.buffer.readBigInt64LE(this.offset) : this.buffer.readBigInt64BE(this.offset)
            : le ? this.buffer.readBigUInt64LE(this.offset) : this.buffer.readBigUInt64BE(this.offset);
        this.offset += 8;
        return value;
      }
      case 'd': {
        this.align(8);
        this.need(8);
        const value = this.littleEndian ? this.buffer.readDoubleLE(this.offset) : this.buffer.readDoubleBE(this.offset);
        this.offset += 8;
        return value;
      }
      case 's':
      case 'o':
        return this.string(4);
      case 'g':
        return this.string(1);
      case 'v': {
        const signature = this.string(1);
        const [inner, ...rest] = parseSignature(signature);
        if (!inner || rest.length) throw new Error(`a variant holding "${signature}", not one complete type`);
        return new Variant(signature, this.read(inner, depth + 1));
      }
      case '(':
        this.align(8);
        return type.children.map((member) => this.read(member, depth + 1));
      case 'a':
        return this.array(type, depth);
      default:
        throw new Error(`cannot read type ${type.code}`);
    }
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
        if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
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

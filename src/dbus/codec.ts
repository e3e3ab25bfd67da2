/**
 * Message encoding and decoding on the wire, delegated to dbus-next's marshaller. Framing (how many bytes make one
 * message) is decided in `frame.ts` so that a malformed message can be rejected without losing the stream.
 */
import DBusBuffer from 'dbus-next/lib/dbus-buffer.js';
import constants from 'dbus-next/lib/constants.js';
import marshallCompat from 'dbus-next/lib/marshall-compat.js';
import messageType from 'dbus-next/lib/message-type.js';
import signatures from 'dbus-next/lib/signature.js';
import variants from 'dbus-next/lib/variant.js';
import type { DBusVariant, IncomingMessage, OutgoingMessage } from './message.js';

const { headerTypeName } = constants;
const { marshallMessage, messageToJsFmt } = marshallCompat;
const { Message } = messageType;
const { parseSignature } = signatures;
const { Variant } = variants;

/** The spec's largest array (2^26 bytes). */
const MAX_ARRAY_BYTES = 67108864;

/**
 * dbus-next's reader trusts the lengths it reads: a hostile length makes it loop or allocate without bound. This
 * reader checks every array and string length against the bytes actually there before reading.
 */
class CheckedBuffer extends DBusBuffer {
  override readArray(elementType: unknown, length: number): unknown[] {
    if (length > MAX_ARRAY_BYTES || this.pos + length > this.buffer.length + 7) {
      throw new Error(`an array claims ${length} bytes but only ${this.buffer.length - this.pos} remain`);
    }
    const type = (elementType as { type: string }).type;
    if (type === 'y') return super.readArray(elementType, length);
    if ('xtd{(r'.includes(type)) this.align(3);
    const end = this.pos + length;
    const result: unknown[] = [];
    while (this.pos < end) {
      const before = this.pos;
      result.push(this.readTree(elementType));
      if (this.pos === before) throw new Error('an array element that takes no bytes');
    }
    return result;
  }

  override readString(length: number): string {
    if (this.pos + length + 1 > this.buffer.length) {
      throw new Error(`a string claims ${length} bytes but only ${this.buffer.length - this.pos} remain`);
    }
    return super.readString(length);
  }

  override readSimpleType(type: string): unknown {
    const value = super.readSimpleType(type);
    if (type === 'g') assertSignature(value as string);
    return value;
  }
}

const BASIC_TYPES = 'ybnqiuxtdsogh';
/** The longest signature the spec allows. */
const MAX_SIGNATURE_LENGTH = 255;

/**
 * Throws unless `signature` is a valid D-Bus signature: known type codes only, non-empty structs, dict entries of a
 * basic key and one value inside an array, nesting within the spec's 32 levels.
 */
export function assertSignature(signature: string): void {
  if (signature.length > MAX_SIGNATURE_LENGTH) throw new Error('a signature longer than 255 characters');
  let index = 0;
  const single = (depth: number, inArray: boolean): void => {
    if (depth > 64) throw new Error('a signature nested deeper than the spec allows');
    const code = signature[index++];
    if (code === undefined) throw new Error(`the signature "${signature}" ends early`);
    if (BASIC_TYPES.includes(code) || code === 'v') return;
    if (code === 'a') return single(depth + 1, true);
    if (code === '(') {
      if (signature[index] === ')') throw new Error('an empty struct in a signature');
      while (signature[index] !== ')') {
        if (index >= signature.length) throw new Error(`an unclosed struct in "${signature}"`);
        single(depth + 1, false);
      }
      index++;
      return;
    }
    if (code === '{') {
      if (!inArray) throw new Error('a dict entry outside an array');
      if (!BASIC_TYPES.includes(signature[index++] ?? '')) throw new Error('a dict entry with a non-basic key');
      single(depth + 1, false);
      if (signature[index++] !== '}') throw new Error('a dict entry with other than two types');
      return;
    }
    throw new Error(`the type code "${code}" in a signature`);
  };
  while (index < signature.length) single(0, false);
}

const HEADER_FIELDS_TYPE = parseSignature('a(yv)')[0].child[0];
const LITTLE_ENDIAN = 0x6c;

/** Wraps a value as a D-Bus variant of the given signature. */
export function variant<T>(signature: string, value: T): DBusVariant<T> {
  return new Variant(signature, value);
}

export function isVariant(value: unknown): value is DBusVariant {
  return value instanceof Variant;
}

/** Serialises one message; throws a plain Error naming the problem when the body does not match its signature. */
export function encodeMessage(message: OutgoingMessage): Buffer {
  const msg = new Message({ ...message });
  msg.serial = message.serial;
  return marshallMessage(msg)[0];
}

/** The header fields of a message, decoded before its body so that a bad body can still be matched to its call. */
export interface DecodedHeader {
  message: IncomingMessage;
  decodeBody(): void;
}

/**
 * Decodes one complete message: `fixedHeader` is its first 16 bytes, `rest` the header fields, padding and body.
 * Header fields are decoded at once; the body only when `decodeBody()` is called (it throws on malformed data).
 */
export function decodeMessage(fixedHeader: Buffer, rest: Buffer): DecodedHeader {
  const endian = fixedHeader[0];
  const le = endian === LITTLE_ENDIAN;
  const fieldsLength = le ? fixedHeader.readUInt32LE(12) : fixedHeader.readUInt32BE(12);
  const bodyLength = le ? fixedHeader.readUInt32LE(4) : fixedHeader.readUInt32BE(4);
  const buffer = new CheckedBuffer(rest, 0, endian, undefined);
  const fields = buffer.readArray(HEADER_FIELDS_TYPE, fieldsLength) as [number, [unknown, [unknown]]][];
  buffer.align(3);
  const raw: Record<string, unknown> = {};
  for (const [code, value] of fields) {
    const name = headerTypeName[code];
    if (name) raw[name] = value[1][0];
  }
  const message: IncomingMessage = {
    type: fixedHeader[1],
    flags: fixedHeader[2],
    serial: le ? fixedHeader.readUInt32LE(8) : fixedHeader.readUInt32BE(8),
    sender: raw.sender as string | undefined,
    destination: raw.destination as string | undefined,
    path: raw.path as string | undefined,
    interface: raw.interface as string | undefined,
    member: raw.member as string | undefined,
    errorName: raw.errorName as string | undefined,
    replySerial: raw.replySerial as number | undefined,
    signature: (raw.signature as string | undefined) ?? '',
    body: [],
  };
  return {
    message,
    decodeBody() {
      if (bodyLength === 0 || !message.signature) return;
      assertSignature(message.signature);
      const body = buffer.read(message.signature);
      // dbus-next trusts declared lengths; a body that does not end exactly where the header said is malformed.
      if (buffer.pos !== rest.length) {
        throw new Error(`the body's contents do not match its declared length (${bodyLength} bytes)`);
      }
      message.body = messageToJsFmt({ signature: message.signature, body }).body as unknown[];
    },
  };
}

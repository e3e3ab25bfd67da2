/**
 * Whole messages on the wire: the fixed header, the header fields and the body, encoded little-endian and decoded in
 * either byte order. Framing (how many bytes make one message) is done by the connection's reader, which hands each
 * complete message here; the body is decoded separately so that a bad body can still be matched to its call.
 */
import { isBusName, isInterfaceName, isMemberName } from './names.js';
import { MAX_VALUES_PER_MESSAGE, Reader } from './reader.js';
import { parseSignature, Variant } from './signature.js';
import { Writer } from './writer.js';
import type { DBusVariant, IncomingMessage, OutgoingMessage } from './message.js';

export { assertSignature } from './signature.js';

const LITTLE_ENDIAN = 0x6c;
const PROTOCOL_VERSION = 1;

/** Header field codes and the type of each field's value (spec: "Header Fields"). */
const FIELDS = [
  ['path', 1, 'o'],
  ['interface', 2, 's'],
  ['member', 3, 's'],
  ['errorName', 4, 's'],
  ['replySerial', 5, 'u'],
  ['destination', 6, 's'],
  ['sender', 7, 's'],
  ['signature', 8, 'g'],
  ['unixFds', 9, 'u'],
] as const;
/** Where the fixed header holds the body's length and the header fields' length. */
const BODY_LENGTH_OFFSET = 4;
const FIELDS_LENGTH_OFFSET = 12;

/** Wraps a value as a D-Bus variant of the given signature. */
export function variant<T>(signature: string, value: T): DBusVariant<T> {
  return new Variant(signature, value);
}

export function isVariant(value: unknown): value is DBusVariant {
  return value instanceof Variant;
}

/** Serialises one message; throws an Error naming the problem when the body does not match its signature. */
export function encodeMessage(message: OutgoingMessage): Buffer {
  const signature = message.signature ?? '';
  const bodyValues = message.body ?? [];
  const types = parseSignature(signature);
  if (types.length !== bodyValues.length) {
    throw new Error(`the signature "${signature}" has ${types.length} types but the body ${bodyValues.length} values`);
  }
  // One buffer, written in order: the fixed header (its body length filled in last), the header fields, the body.
  // A Secret Service call is a few hundred bytes, so one writer of 512 rarely grows.
  const writer = new Writer(512);
  writer.fixedHeader(LITTLE_ENDIAN, message.type, message.flags ?? 0, PROTOCOL_VERSION, message.serial);
  const fieldsStart = writer.offset;
  for (let i = 0; i < FIELDS.length; i++) {
    const [name, code, type] = FIELDS[i];
    const value = name === 'signature' ? signature || undefined : message[name];
    if (value !== undefined) writer.headerField(code, type, value);
  }
  writer.patchUint32(FIELDS_LENGTH_OFFSET, writer.offset - fieldsStart);
  writer.align(8);
  const bodyStart = writer.offset;
  // The body starts 8-aligned in the message, so the writer's alignment (counted from the message start) holds.
  for (let i = 0; i < types.length; i++) writer.write(types[i], bodyValues[i]);
  writer.patchUint32(BODY_LENGTH_OFFSET, writer.offset - bodyStart);
  // The writer's own buffer, trimmed: nothing else holds it, so no copy of the body (which may carry a secret) is
  // left behind. (A writer that grew zeroed the buffers it left.)
  return writer.result();
}

/** A message's header, decoded before (and often instead of) its body. */
export interface DecodedHeader {
  /** The message, its `body` empty until {@link decodeBody} fills it. */
  message: IncomingMessage;
  littleEndian: boolean;
  bodyLength: number;
}

/** Each known header field's property and the type its variant must hold, by code; and each field's code, by name. */
const FIELD_BY_CODE: (readonly [string, string] | undefined)[] = [];
const CODE = {} as Record<(typeof FIELDS)[number][0], number>;
for (const [name, code, type] of FIELDS) {
  FIELD_BY_CODE[code] = [name, type];
  CODE[name] = code;
}

/** Whether a header field's value has the field's syntax (paths and signatures are checked by the reader). */
const FIELD_SYNTAX: Record<string, (value: string) => boolean> = {
  interface: isInterfaceName,
  member: isMemberName,
  errorName: isInterfaceName,
  destination: isBusName,
  sender: isBusName,
};

/**
 * Decodes a message's header: `fixedHeader` is its first 16 bytes, `fields` the header fields and the padding after
 * them (up to the body's 8-byte boundary). Every field is checked: its type and its syntax (see
 * {@link assertRequiredFields} for the fields a message type needs), and the padding is zero, as libdbus checks.
 * @throws Error naming what is malformed.
 */
export function decodeHeader(fixedHeader: Buffer, fields: Buffer): DecodedHeader {
  const littleEndian = fixedHeader[0] === LITTLE_ENDIAN;
  if (!littleEndian && fixedHeader[0] !== 0x42) throw new Error('an invalid byte-order mark');
  const fieldsLength = littleEndian ? fixedHeader.readUInt32LE(12) : fixedHeader.readUInt32BE(12);
  if (fields.length !== fieldsLength + ((8 - (fieldsLength % 8)) % 8)) {
    throw new Error('header fields whose length does not match the fixed header');
  }
  for (let at = fieldsLength; at < fields.length; at++) {
    if (fields[at] !== 0) throw new Error('padding after the header fields that is not zero');
  }
  // `fields` starts at message offset 16 (a multiple of 8), so alignment can be counted from its start; the fields
  // array's length word is the fixed header's last 4 bytes, hence the reader over the fields alone.
  const reader = new Reader(fields, littleEndian, 0, fieldsLength);
  const values: unknown[] = []; // by field code
  while (reader.remaining > 0) {
    reader.align(8);
    const code = reader.byte();
    const signature = reader.string(1);
    const known = FIELD_BY_CODE[code];
    if (known) values[code] = headerFieldValue(reader, known, signature, values[code] !== undefined);
    else reader.variantValue(signature); // the spec: unknown fields are ignored (once read and checked)
  }
  const signature = (values[CODE.signature] as string | undefined) ?? '';
  const bodyLength = littleEndian ? fixedHeader.readUInt32LE(4) : fixedHeader.readUInt32BE(4);
  if (!signature && bodyLength !== 0) throw new Error('a body without a signature');
  const unixFds = values[CODE.unixFds] as number | undefined;
  const message: IncomingMessage = {
    type: fixedHeader[1],
    flags: fixedHeader[2],
    serial: littleEndian ? fixedHeader.readUInt32LE(8) : fixedHeader.readUInt32BE(8),
    sender: values[CODE.sender] as string | undefined,
    destination: values[CODE.destination] as string | undefined,
    path: values[CODE.path] as string | undefined,
    interface: values[CODE.interface] as string | undefined,
    member: values[CODE.member] as string | undefined,
    errorName: values[CODE.errorName] as string | undefined,
    replySerial: values[CODE.replySerial] as number | undefined,
    signature,
    ...(unixFds !== undefined && unixFds > 0 ? { unixFds } : {}),
    body: [],
  };
  if (message.serial === 0) throw new Error('a serial of 0');
  return { message, littleEndian, bodyLength };
}

/**
 * A known header field's value, read straight from its variant (whose signature has been read) and checked: its
 * type, its syntax and that it is the only one of its kind.
 */
function headerFieldValue(
  reader: Reader,
  [name, type]: readonly [string, string],
  signature: string,
  duplicate: boolean,
): unknown {
  if (signature !== type) throw new Error(`a ${name} header field of type ${signature}`);
  if (duplicate) throw new Error(`two ${name} header fields`);
  if (type === 'u') return reader.uint32();
  if (type === 'o') return reader.objectPath();
  if (type === 'g') return reader.signature();
  const value = reader.string(4);
  if (!FIELD_SYNTAX[name](value)) throw new Error(`a ${name} header field of invalid syntax`);
  return value;
}

/** The header fields each message type must have (spec: "Message Types"). */
const REQUIRED_FIELDS: Record<number, (keyof IncomingMessage)[]> = {
  1: ['path', 'member'],
  2: ['replySerial'],
  3: ['errorName', 'replySerial'],
  4: ['path', 'interface', 'member'],
};

/**
 * Throws unless `message` has the header fields its type requires (a connection drops a message that does not).
 * @throws Error naming the missing fields.
 */
export function assertRequiredFields(message: IncomingMessage): void {
  const missing = (REQUIRED_FIELDS[message.type] ?? []).filter((name) => message[name] === undefined);
  if (missing.length) throw new Error(`a message of type ${message.type} without ${missing.join(', ')}`);
}

/**
 * Decodes a message's body into `header.message.body`: `body` is exactly its bytes (it starts 8-aligned in the
 * message, so alignment counts from its start). At most {@link MAX_VALUES_PER_MESSAGE} values.
 * @throws Error naming what is malformed or over the limit.
 */
export function decodeBody(header: DecodedHeader, body: Buffer): void {
  const { message } = header;
  if (body.length !== header.bodyLength) throw new Error('the body length does not match its header');
  if (!message.signature) return;
  const types = parseSignature(message.signature);
  const reader = new Reader(body, header.littleEndian, 0, body.length, 0, MAX_VALUES_PER_MESSAGE);
  message.body = types.map((type) => reader.read(type));
  if (reader.remaining !== 0) {
    throw new Error(`the body's contents do not match its declared length (${header.bodyLength} bytes)`);
  }
}

/** {@link decodeBody}, returning the error instead of throwing it. */
export function tryDecodeBody(header: DecodedHeader, body: Buffer): Error | undefined {
  try {
    decodeBody(header, body);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

/**
 * Decodes one complete message: `fixedHeader` is its first 16 bytes, `rest` the header fields, padding and body.
 * Header fields are decoded at once (throwing on malformed data); the body only when `decodeBody()` is called.
 * (The connection reads header and body apart, see framing.ts; this is for whole messages at hand.)
 */
export function decodeMessage(fixedHeader: Buffer, rest: Buffer): { message: IncomingMessage; decodeBody(): void } {
  if (fixedHeader.length !== 16) throw new Error('a fixed header that is not 16 bytes');
  const littleEndian = fixedHeader[0] === LITTLE_ENDIAN;
  const fieldsLength = littleEndian ? fixedHeader.readUInt32LE(12) : fixedHeader.readUInt32BE(12);
  const bodyStart = fieldsLength + ((8 - (fieldsLength % 8)) % 8);
  if (bodyStart > rest.length) throw new Error('the message length does not match its header');
  const header = decodeHeader(fixedHeader, rest.subarray(0, bodyStart));
  if (bodyStart + header.bodyLength !== rest.length) throw new Error('the message length does not match its header');
  return {
    message: header.message,
    decodeBody: () => decodeBody(header, rest.subarray(bodyStart)),
  };
}

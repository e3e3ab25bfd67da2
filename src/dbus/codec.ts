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
  const buffer = new DBusBuffer(rest, 0, endian, undefined);
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
      const body = buffer.read(message.signature);
      message.body = messageToJsFmt({ signature: message.signature, body }).body as unknown[];
    },
  };
}

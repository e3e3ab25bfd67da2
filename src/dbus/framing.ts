/**
 * Cutting the byte stream from the bus into messages, header first: the fixed 16-byte header says how long the header
 * fields and the body are; the fields are read, and the receiver decides from them whether it wants the body at all.
 * A body nobody wants is counted off the stream unread and never buffered, so a message from any peer costs this
 * process only its header. A message larger than the receiver's limit is skipped the same way, its header shown to
 * the receiver (whose call it may answer) but its body never read. A length over D-Bus's own maximum, or a header that
 * is not D-Bus, cannot be skipped safely, so it ends the stream, as does any exception while reading.
 */
import type { IncomingBytes } from './incoming.js';
import { ProtocolError } from '../errors.js';

export const FIXED_HEADER_BYTES = 16;
/** The largest message D-Bus allows (the spec's 128 MiB): anything larger is not D-Bus. */
export const MAX_MESSAGE_BYTES = 134217728;
/**
 * Header fields longer than this are not read: no sender can need them (they hold a few names, a path and a
 * signature), so the message is skipped whole, unread.
 */
export const MAX_HEADER_FIELDS_BYTES = 64 * 1024;

/** A message's lengths, from its fixed header. */
export interface FrameLengths {
  /** The header fields, without the padding after them. */
  fieldsLength: number;
  /** The padding that makes the body start on an 8-byte boundary. */
  padding: number;
  bodyLength: number;
  /** The whole message: 16 + fields + padding + body. */
  total: number;
}

/**
 * The lengths in a fixed header, checked against `maxMessageBytes` (default: D-Bus's maximum) before any arithmetic
 * (all of it in doubles, which hold every sum of two uint32 exactly: nothing can wrap or turn negative).
 * @throws ProtocolError for a byte order, version or length that D-Bus does not allow.
 */
export function frameLengths(header: Buffer, maxMessageBytes = MAX_MESSAGE_BYTES): FrameLengths {
  const endian = header[0];
  if (endian !== 0x6c && endian !== 0x42) {
    throw new ProtocolError('The bus sent a message with an invalid byte order; the connection was closed.');
  }
  if (header[3] !== 1) {
    throw new ProtocolError(
      `The bus sent a message of protocol version ${header[3]}, not 1; the connection was closed.`,
    );
  }
  const le = endian === 0x6c;
  const fieldsLength = le ? header.readUInt32LE(12) : header.readUInt32BE(12);
  const bodyLength = le ? header.readUInt32LE(4) : header.readUInt32BE(4);
  if (fieldsLength > maxMessageBytes || bodyLength > maxMessageBytes) {
    throw new ProtocolError(
      `The bus sent a message announcing ${Math.max(fieldsLength, bodyLength)} bytes, above the ${maxMessageBytes}-byte ` +
        'limit; the connection was closed.',
    );
  }
  const padding = (8 - (fieldsLength % 8)) % 8;
  const total = FIXED_HEADER_BYTES + fieldsLength + padding + bodyLength;
  if (total > maxMessageBytes) {
    throw new ProtocolError(
      `The bus sent a ${total}-byte message, above the ${maxMessageBytes}-byte limit; the connection was closed.`,
    );
  }
  return { fieldsLength, padding, bodyLength, total };
}

/** Takes a message's body: called with the body's bytes, valid during the call only (zeroed when it returns). */
export type BodyTaker = (body: Buffer) => void;

export interface FrameHandlers {
  /**
   * A message's fixed header and its header fields with the padding after them (up to the body's 8-byte boundary),
   * valid during the call only. Returns the
   * function that takes the body, or undefined to have the body skipped unread. Called with `fields` undefined when
   * the fields are over {@link MAX_HEADER_FIELDS_BYTES}, and with `oversize` (the message's length) when the message
   * is larger than the reader's limit: the message is then skipped whatever it returns.
   */
  onHeader(fixedHeader: Buffer, fields: Buffer | undefined, oversize?: number): BodyTaker | undefined;
  /** The stream cannot be read further; the caller closes the connection. */
  onFatal(error: ProtocolError): void;
  /** True once the caller no longer wants frames. */
  stopped(): boolean;
  /** Counts what was read and skipped (for tests and diagnostics). */
  stats?: FrameStats;
}

/** What the reader has done so far. */
export interface FrameStats {
  messages: number;
  /** Bytes of bodies that were buffered, because someone wanted them. */
  bodyBytesRead: number;
  /** Bytes of messages skipped unread (unwanted bodies, oversized header fields). */
  bytesSkipped: number;
  /** The largest buffer the reader allocated for one message part. */
  largestBuffer: number;
}

/**
 * Reads messages from `incoming` until `handlers.stopped()`. Header fields and wanted bodies are copied out of the
 * read buffer exactly once, into buffers of their own size, and zeroed once delivered.
 */
export function readFrames(incoming: IncomingBytes, maxMessageBytes: number, handlers: FrameHandlers): void {
  const stats = handlers.stats;
  /** What is being read: the fixed header, the fields (plus padding), the body, or bytes to skip. */
  let phase: 'fixed' | 'fields' | 'body' | 'skip' = 'fixed';
  let part: Buffer = Buffer.allocUnsafe(FIXED_HEADER_BYTES);
  let filled = 0;
  let fixedHeader: Buffer = part;
  let dead = false;
  let lengths: FrameLengths | undefined;
  let toSkip = 0;
  let takeBody: BodyTaker | undefined;

  const allocate = (bytes: number): Buffer => {
    if (stats && bytes > stats.largestBuffer) stats.largestBuffer = bytes;
    // Every byte is written before it is read; zeroed again once delivered.
    return Buffer.allocUnsafe(bytes);
  };

  /** The current part is complete: move on to the next. */
  const completed = () => {
    if (phase === 'fixed') {
      fixedHeader = part;
      // Over D-Bus's maximum the stream is not D-Bus (fatal); over the reader's own limit the message is skipped.
      lengths = frameLengths(fixedHeader);
      if (stats) stats.messages++;
      if (lengths.fieldsLength > MAX_HEADER_FIELDS_BYTES) {
        handlers.onHeader(fixedHeader, undefined);
        startSkip(lengths.total - FIXED_HEADER_BYTES);
        return;
      }
      phase = 'fields';
      part = allocate(lengths.fieldsLength + lengths.padding);
      filled = 0;
    } else if (phase === 'fields') {
      const fields = part;
      const oversize = lengths!.total > maxMessageBytes ? lengths!.total : undefined;
      try {
        takeBody = handlers.onHeader(fixedHeader, fields, oversize);
      } finally {
        fields.fill(0);
      }
      if (oversize !== undefined) takeBody = undefined;
      if (!takeBody) {
        startSkip(lengths!.bodyLength);
        return;
      }
      phase = 'body';
      part = allocate(lengths!.bodyLength);
      filled = 0;
    } else if (phase === 'body') {
      const body = part;
      const take = takeBody!;
      takeBody = undefined;
      if (stats) stats.bodyBytesRead += body.length;
      nextMessage();
      try {
        take(body);
      } finally {
        body.fill(0); // decoded by now (values are copies): a plain session's secret does not linger in it
      }
      return;
    } else {
      nextMessage();
      return;
    }
    if (part.length === 0) completed();
  };

  const startSkip = (bytes: number) => {
    phase = 'skip';
    toSkip = bytes;
    if (stats) stats.bytesSkipped += bytes;
    if (toSkip === 0) nextMessage();
  };

  const nextMessage = () => {
    phase = 'fixed';
    part = Buffer.allocUnsafe(FIXED_HEADER_BYTES);
    filled = 0;
    lengths = undefined;
  };

  incoming.consume((bytes) => {
    if (dead) return;
    try {
      let at = 0;
      while (at < bytes.length) {
        if (handlers.stopped()) return;
        if (phase === 'skip') {
          const skipped = Math.min(toSkip, bytes.length - at);
          toSkip -= skipped;
          at += skipped;
          if (toSkip === 0) completed();
          continue;
        }
        const take = Math.min(part.length - filled, bytes.length - at);
        bytes.copy(part, filled, at, at + take);
        filled += take;
        at += take;
        if (filled === part.length) completed();
      }
    } catch (error) {
      // Whatever went wrong, the stream's position can no longer be trusted: the connection ends, typed.
      handlers.onFatal(
        error instanceof ProtocolError
          ? error
          : new ProtocolError(`Reading from the bus failed (${(error as Error).message}); the connection was closed.`),
      );
      dead = true;
    }
  });
}

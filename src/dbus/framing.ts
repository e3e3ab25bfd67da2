/**
 * Cutting the byte stream from the bus into messages: the fixed 16-byte header says how long the rest is. A frame
 * over the size limit, or a header that is not D-Bus, cannot be skipped safely, so it ends the stream.
 */
import type { IncomingBytes } from './incoming.js';
import { ProtocolError } from '../errors.js';

const FIXED_HEADER_BYTES = 16;

export interface FrameHandlers {
  /**
   * One complete message: its fixed header and everything after it, valid during the call only: the frame is zeroed
   * when it returns, so that no message (a plain session's secret) stays in memory. Decode, copying what is kept.
   */
  onFrame(fixedHeader: Buffer, rest: Buffer): void;
  /** The stream cannot be read further; the caller closes the connection. */
  onFatal(error: ProtocolError): void;
  /** True once the caller no longer wants frames. */
  stopped(): boolean;
}

/**
 * Reads frames from `incoming` until `handlers.stopped()`. Each frame is copied out of the read buffer exactly once,
 * into a buffer of its own size, and zeroed once delivered.
 */
export function readFrames(incoming: IncomingBytes, maxMessageBytes: number, handlers: FrameHandlers): void {
  /** The frame being completed across reads: its bytes so far, and how many it will have. */
  let partial: Buffer | null = null;
  let filled = 0;
  /** Bytes of a fixed header split across reads. */
  let headerBytes = Buffer.alloc(0);

  /** The whole frame's length from its fixed header, or null after a fatal error. */
  const frameLength = (header: Buffer): number | null => {
    const endian = header[0];
    if (endian !== 0x6c && endian !== 0x42) {
      handlers.onFatal(
        new ProtocolError('The bus sent a message with an invalid byte order; the connection was closed.'),
      );
      return null;
    }
    const le = endian === 0x6c;
    const fieldsLength = le ? header.readUInt32LE(12) : header.readUInt32BE(12);
    const bodyLength = le ? header.readUInt32LE(4) : header.readUInt32BE(4);
    const total = FIXED_HEADER_BYTES + (((fieldsLength + 7) >> 3) << 3) + bodyLength;
    if (total > maxMessageBytes) {
      handlers.onFatal(
        new ProtocolError(
          `The bus sent a ${total}-byte message, above the ${maxMessageBytes}-byte limit; the connection was closed.`,
        ),
      );
      return null;
    }
    return total;
  };

  const deliver = (frame: Buffer) => {
    try {
      handlers.onFrame(frame.subarray(0, FIXED_HEADER_BYTES), frame.subarray(FIXED_HEADER_BYTES));
    } finally {
      frame.fill(0); // decoded by now (values are copies): a plain session's secret does not linger in it
    }
  };

  incoming.consume((bytes) => {
    let at = 0;
    while (at < bytes.length) {
      if (handlers.stopped()) return;
      if (partial) {
        const take = Math.min(partial.length - filled, bytes.length - at);
        bytes.copy(partial, filled, at, at + take);
        filled += take;
        at += take;
        if (filled < partial.length) return;
        const frame = partial;
        partial = null;
        deliver(frame);
        continue;
      }
      // A fixed header, possibly completing one that began in an earlier read.
      let header: Buffer;
      if (headerBytes.length || bytes.length - at < FIXED_HEADER_BYTES) {
        const take = Math.min(FIXED_HEADER_BYTES - headerBytes.length, bytes.length - at);
        headerBytes = Buffer.concat([headerBytes, bytes.subarray(at, at + take)]);
        at += take;
        if (headerBytes.length < FIXED_HEADER_BYTES) return;
        header = headerBytes;
        headerBytes = Buffer.alloc(0);
      } else {
        header = bytes.subarray(at, at + FIXED_HEADER_BYTES);
        at += FIXED_HEADER_BYTES;
      }
      const total = frameLength(header);
      if (total === null) return;
      partial = Buffer.allocUnsafe(total);
      header.copy(partial, 0);
      filled = FIXED_HEADER_BYTES;
      if (filled === total) {
        const frame = partial;
        partial = null;
        deliver(frame);
      }
    }
  });
}

/**
 * Cutting the byte stream from the bus into messages: the fixed 16-byte header says how long the rest is. A frame
 * over the size limit, or a header that is not D-Bus, cannot be skipped safely, so it ends the stream.
 */
import type { Socket } from 'node:net';
import { ProtocolError } from '../errors.js';

const FIXED_HEADER_BYTES = 16;

export interface FrameHandlers {
  /** One complete message: its fixed header and everything after it. */
  onFrame(fixedHeader: Buffer, rest: Buffer): void;
  /** The stream cannot be read further; the caller closes the connection. */
  onFatal(error: ProtocolError): void;
  /** True once the caller no longer wants frames. */
  stopped(): boolean;
}

/** Reads frames from `socket` until it ends or `handlers.stopped()`. */
export function readFrames(socket: Socket, maxMessageBytes: number, handlers: FrameHandlers): void {
  let fixedHeader: Buffer | null = null;
  let restLength = 0;
  socket.on('readable', () => {
    for (;;) {
      if (handlers.stopped()) return;
      if (fixedHeader === null) {
        const header = socket.read(FIXED_HEADER_BYTES) as Buffer | null;
        if (!header) return;
        const endian = header[0];
        if (endian !== 0x6c && endian !== 0x42) {
          handlers.onFatal(
            new ProtocolError('The bus sent a message with an invalid byte order; the connection was closed.'),
          );
          return;
        }
        const le = endian === 0x6c;
        const fieldsLength = le ? header.readUInt32LE(12) : header.readUInt32BE(12);
        const bodyLength = le ? header.readUInt32LE(4) : header.readUInt32BE(4);
        restLength = (((fieldsLength + 7) >> 3) << 3) + bodyLength;
        if (restLength + FIXED_HEADER_BYTES > maxMessageBytes) {
          handlers.onFatal(
            new ProtocolError(
              `The bus sent a ${restLength + FIXED_HEADER_BYTES}-byte message, above the ${maxMessageBytes}-byte limit; ` +
                'the connection was closed.',
            ),
          );
          return;
        }
        fixedHeader = header;
      }
      const rest = (restLength === 0 ? Buffer.alloc(0) : socket.read(restLength)) as Buffer | null;
      if (!rest) return;
      const header = fixedHeader;
      fixedHeader = null;
      handlers.onFrame(header, rest);
    }
  });
}

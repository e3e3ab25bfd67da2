/**
 * A connection's incoming bytes. The socket is opened with `net`'s `onread`: libuv reads into one reused buffer and
 * hands each read straight to us, without the stream machinery (no Readable buffering, no `data` or `readable`
 * events), which is a good part of the client's CPU per round trip. The bytes go to one consumer at a time, first the
 * authentication's line reader, then the frame reader; bytes that arrive before a consumer is set wait for it.
 * A consumer gets a view of the reused buffer, valid only during the call: it copies what it keeps.
 */
const READ_BUFFER_BYTES = 64 * 1024;

export type BytesConsumer = (bytes: Buffer) => void;

export class IncomingBytes {
  private consumer?: BytesConsumer;
  private waiting: Buffer[] = [];

  /** The `onread` option for `net.connect`. */
  readonly onread = {
    buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    callback: (length: number, buffer: Buffer): boolean => {
      this.push(buffer.subarray(0, length));
      buffer.fill(0, 0, length); // consumers have copied what they keep: no message (a plain secret) stays behind
      return true;
    },
  };

  /**
   * Sends the incoming bytes to `consumer` from now on, starting with any that arrived without one. Those are zeroed
   * once it has them, as the read buffer is after every read.
   */
  consume(consumer: BytesConsumer | undefined): void {
    this.consumer = consumer;
    if (!consumer || this.waiting.length === 0) return;
    const pieces = this.waiting;
    this.waiting = [];
    const waiting = Buffer.concat(pieces);
    for (const piece of pieces) piece.fill(0);
    try {
      consumer(waiting);
    } finally {
      waiting.fill(0);
    }
  }

  /** Gives back bytes a consumer read past its end, for the next consumer. */
  giveBack(bytes: Buffer): void {
    if (bytes.length) this.waiting.unshift(Buffer.from(bytes));
  }

  private push(bytes: Buffer): void {
    if (this.consumer) this.consumer(bytes);
    else this.waiting.push(Buffer.from(bytes));
  }
}

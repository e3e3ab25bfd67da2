/** The messages src/dbus sends and receives, in this library's own terms (no D-Bus library types leak out). */

export const enum MessageType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

/** Flag bit 0x1 of the header: the sender does not want a reply. */
export const NO_REPLY_EXPECTED = 0x1;

export interface OutgoingMessage {
  type: MessageType;
  serial: number;
  flags?: number;
  destination?: string;
  /** Set by the bus on delivery; a client never sends it. */
  sender?: string;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  signature?: string;
  /** How many file descriptors go with the message (the `h` values index them). */
  unixFds?: number;
  body?: unknown[];
}

export interface IncomingMessage {
  type: MessageType;
  serial: number;
  flags: number;
  sender?: string;
  destination?: string;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  signature: string;
  /** How many file descriptors came with the message (absent: none). */
  unixFds?: number;
  /** Those descriptors, as sockets, on a connection opened with `unixFds`; `h` values index them. */
  fds?: import('node:net').Socket[];
  body: unknown[];
}

/** A value of D-Bus type `v`: the signature of what it holds, and the value. */
export interface DBusVariant<T = unknown> {
  readonly signature: string;
  readonly value: T;
}

// Types for the parts of dbus-next 0.10.2 that src/dbus uses: its wire codec and its SASL handshake.
// dbus-next is CommonJS; its modules are imported whole (default import) and destructured.
declare module 'dbus-next/lib/variant.js' {
  class Variant<T = unknown> {
    constructor(signature: string, value: T);
    signature: string;
    value: T;
  }
  const variantModule: { Variant: typeof Variant };
  export = variantModule;
}
declare module 'dbus-next/lib/message-type.js' {
  class Message {
    constructor(fields: Record<string, unknown>);
    type: number;
    serial: number | null;
    signature: string;
    body: unknown[];
  }
  const messageTypeModule: { Message: typeof Message };
  export = messageTypeModule;
}
declare module 'dbus-next/lib/marshall-compat.js' {
  const marshallCompat: {
    marshallMessage(msg: object): [Buffer, number[]];
    messageToJsFmt(msg: Record<string, unknown>): Record<string, unknown>;
  };
  export = marshallCompat;
}
declare module 'dbus-next/lib/dbus-buffer.js' {
  class DBusBuffer {
    constructor(buffer: Buffer, startPos: number, endian: number, fds: unknown, options?: object);
    readArray(signature: unknown, length: number): unknown[];
    readString(length: number): string;
    readTree(tree: unknown): unknown;
    readSimpleType(type: string): unknown;
    readStruct(tree: unknown[]): unknown[];
    align(power: number): void;
    read(signature: string): unknown[];
    pos: number;
    buffer: Buffer;
  }
  export = DBusBuffer;
}
declare module 'dbus-next/lib/handshake.js' {
  import type { Duplex } from 'node:stream';
  function handshake(
    stream: Duplex,
    opts: { authMethods?: string[] },
    callback: (error: unknown, guid?: string) => void,
  ): void;
  export = handshake;
}
declare module 'dbus-next/lib/constants.js' {
  const constants: { headerTypeName: string[] };
  export = constants;
}
declare module 'dbus-next/lib/signature.js' {
  const signatureModule: { parseSignature(signature: string): { type: string; child: unknown[] }[] };
  export = signatureModule;
}

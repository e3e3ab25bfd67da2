/**
 * Hostile lengths, depths and types from a socket endpoint: whatever the bytes, the only outcomes are messages, or a
 * ProtocolError that ends the stream (and closes the connection); nothing throws out of the reader, and what the
 * reader allocates does not depend on what a message announces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBody, decodeMessage, encodeMessage, type DecodedHeader } from '../../src/dbus/codec.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { FIXED_HEADER_BYTES, MAX_HEADER_FIELDS_BYTES, readFrames, type FrameStats } from '../../src/dbus/framing.js';
import { IncomingBytes } from '../../src/dbus/incoming.js';
import { MessageType } from '../../src/dbus/message.js';
import { MAX_VALUES_PER_MESSAGE } from '../../src/dbus/reader.js';
import { ConnectionClosedError, ProtocolError, TimeoutException } from '../../src/errors.js';
import { FakeBus } from '../helpers/fake-bus.js';
import { withoutUncaught } from '../helpers/uncaught.js';

/** Lengths a hostile endpoint would try: huge, negative as int32, wrapping past 2^32, tiny, and anything. */
const hostileLength = fc.oneof(
  fc.constantFrom(0, 1, 7, 8, 15, 16, 0x7ffffff8, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffff0, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 256 }),
);

function fixedHeader(littleEndian: boolean, type: number, version: number, bodyLength: number, fieldsLength: number) {
  const header = Buffer.alloc(FIXED_HEADER_BYTES);
  header[0] = littleEndian ? 0x6c : 0x42;
  header[1] = type;
  header[3] = version;
  if (littleEndian) {
    header.writeUInt32LE(bodyLength, 4);
    header.writeUInt32LE(1, 8);
    header.writeUInt32LE(fieldsLength, 12);
  } else {
    header.writeUInt32BE(bodyLength, 4);
    header.writeUInt32BE(1, 8);
    header.writeUInt32BE(fieldsLength, 12);
  }
  return header;
}

const hostileHeader = fc
  .record({
    littleEndian: fc.boolean(),
    type: fc.integer({ min: 0, max: 255 }),
    version: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 255 })),
    bodyLength: hostileLength,
    fieldsLength: hostileLength,
  })
  .map(({ littleEndian, type, version, bodyLength, fieldsLength }) =>
    fixedHeader(littleEndian, type, version, bodyLength, fieldsLength),
  );

describe('the frame reader against hostile lengths', () => {
  it('ends in a ProtocolError or reads on; never throws, never allocates what a header announces', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            hostileHeader,
            fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
          ),
          {
            maxLength: 6,
          },
        ),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 4096, max: 134217728 }),
        (pieces, cut, maxMessageBytes) => {
          const incoming = new IncomingBytes();
          const fatal: Error[] = [];
          const stats: FrameStats = { messages: 0, bodyBytesRead: 0, bytesSkipped: 0, largestBuffer: 0 };
          let headersAfterFatal = 0;
          readFrames(incoming, maxMessageBytes, {
            onHeader: () => {
              if (fatal.length) headersAfterFatal++;
              return undefined; // nobody wants a body: it is skipped unread
            },
            onFatal: (error) => fatal.push(error),
            stopped: () => false,
            stats,
          });
          const stream = Buffer.concat(pieces);
          for (let at = 0; at < stream.length; at += cut) {
            const chunk = Buffer.from(stream.subarray(at, at + cut));
            expect(() => incoming.onread.callback(chunk.length, chunk)).not.toThrow();
          }
          expect(fatal.length).toBeLessThanOrEqual(1);
          for (const error of fatal) expect(error).toBeInstanceOf(ProtocolError);
          expect(headersAfterFatal).toBe(0);
          // Header fields are read (up to their cap); bodies nobody wants are not: memory is bounded by the cap.
          expect(stats.largestBuffer).toBeLessThanOrEqual(MAX_HEADER_FIELDS_BYTES + 7);
          expect(stats.bodyBytesRead).toBe(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a header whose lengths overflow int32 or exceed the limit is a ProtocolError, before any allocation', () => {
    for (const [bodyLength, fieldsLength] of [
      [0, 0x80000000],
      [0x80000000, 0],
      [0xffffffff, 0xffffffff],
      [0x7ffffff9, 0x7ffffff9],
      [0, 0xfffffff9],
    ]) {
      for (const littleEndian of [true, false]) {
        const incoming = new IncomingBytes();
        const fatal: Error[] = [];
        const stats: FrameStats = { messages: 0, bodyBytesRead: 0, bytesSkipped: 0, largestBuffer: 0 };
        readFrames(incoming, 134217728, {
          onHeader: () => expect.fail('no header'),
          onFatal: (error) => fatal.push(error),
          stopped: () => false,
          stats,
        });
        const header = fixedHeader(littleEndian, 4, 1, bodyLength, fieldsLength);
        incoming.onread.callback(header.length, header);
        expect(fatal).toHaveLength(1);
        expect(fatal[0]).toBeInstanceOf(ProtocolError);
        expect(fatal[0].message).toMatch(/above the 134217728-byte limit/);
        expect(stats.largestBuffer).toBe(0);
      }
    }
  });
});

/** The header of a reply whose body has `signature` and `length` bytes. */
function bodyOf(signature: string, length: number, littleEndian = true): DecodedHeader {
  const message = { type: MessageType.MethodReturn, serial: 2, flags: 0, replySerial: 1, signature, body: [] };
  return { message, littleEndian, bodyLength: length };
}

describe('the reader against hostile depths, types and counts', () => {
  /** Any valid signature the parser accepts, nested. */
  const signature: fc.Arbitrary<string> = fc.letrec((tie) => ({
    type: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'h', 'v'),
      tie('type').map((inner) => `a${inner}`),
      fc.array(tie('type'), { minLength: 1, maxLength: 3 }).map((members) => `(${members.join('')})`),
      fc.tuple(fc.constantFrom('s', 'o', 'u', 'y'), tie('type')).map(([key, value]) => `a{${key}${value}}`),
    ),
  })).type as fc.Arbitrary<string>;

  it('any signature over any bytes decodes or throws an Error, within the value cap', () => {
    fc.assert(
      fc.property(signature, fc.uint8Array({ maxLength: 512 }), fc.boolean(), (sig, bytes, littleEndian) => {
        if (sig.length > 255) return;
        const header = bodyOf(sig, bytes.length, littleEndian);
        try {
          decodeBody(header, Buffer.from(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('variants nested 10,000 deep are refused, not followed', () => {
    // Each level: signature "v" (length 1, 'v', NUL), then the next; innermost a byte.
    const levels = 10_000;
    const nested = Buffer.alloc(levels * 3 + 4);
    for (let i = 0; i < levels; i++) nested.set([1, 0x76, 0], i * 3);
    nested.set([1, 0x79, 0, 42], levels * 3);
    const header = bodyOf('v', nested.length);
    expect(() => decodeBody(header, nested)).toThrow(/nested deeper/);
  });

  it(`a body of more than ${MAX_VALUES_PER_MESSAGE} values is refused once the cap is reached`, () => {
    // Two arrays of one-byte variants, 4 bytes each (signature length, 'y', NUL, value): 3 million values.
    const count = 1_500_000;
    const array = Buffer.alloc(4 + count * 4);
    array.writeUInt32LE(count * 4, 0);
    for (let i = 0; i < count; i++) array.set([1, 0x79, 0, 7], 4 + i * 4);
    const bodyBytes = Buffer.concat([array, array]);
    const header = bodyOf('avav', bodyBytes.length);
    expect(() => decodeBody(header, bodyBytes)).toThrow(`more than ${MAX_VALUES_PER_MESSAGE} values in one message`);
  });

  it('object paths and signatures are checked on read', () => {
    for (const [sig, value] of [
      ['o', "/a',arg0='x"],
      ['o', 'relative/path'],
      ['o', '/trailing/'],
      ['g', 'a{vs}'],
      ['g', 'z'],
    ]) {
      const bytes =
        sig === 'o'
          ? Buffer.concat([Buffer.alloc(4), Buffer.from(`${value}\0`)])
          : Buffer.concat([Buffer.from([value.length]), Buffer.from(`${value}\0`)]);
      if (sig === 'o') bytes.writeUInt32LE(value.length, 0);
      const header = bodyOf(sig, bytes.length, true);
      expect(() => decodeBody(header, bytes), `${sig} ${value}`).toThrow();
    }
  });
});

/** The body of one `s` (or, with `lengthBytes` 1, one `g`) holding exactly `bytes`. */
function stringBody(bytes: Buffer, lengthBytes: 1 | 4 = 4): Buffer {
  const length = Buffer.alloc(lengthBytes);
  if (lengthBytes === 4) length.writeUInt32LE(bytes.length);
  else length[0] = bytes.length;
  return Buffer.concat([length, bytes, Buffer.from([0])]);
}

/**
 * Not through a real bus: dbus-daemon validates every string itself and does not deliver such a message (a raw client
 * sending one to the bus got no answer), so only a peer that is not behind a validating bus can send one: the fake bus
 * below, a peer-to-peer socket, or a bus implementation that does not check.
 */
describe('strings on read', () => {
  /** Bytes the spec does not allow in a string: not UTF-8, or holding a NUL. */
  const refused: [string, Buffer][] = [
    ['a byte that is never UTF-8', Buffer.from('pass\xffword', 'latin1')],
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62])],
    ['a sequence cut short', Buffer.from([0x61, 0xe2, 0x82])],
    ['an overlong NUL', Buffer.from([0x61, 0xc0, 0x80])],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['a code point past U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
    ['a NUL inside', Buffer.from('user\0admin')],
  ];

  it('an s, o, g or variant signature that is not UTF-8 or holds a NUL is refused, naming which', () => {
    for (const [what, bytes] of refused) {
      const message = bytes.includes(0) ? /a NUL inside/ : /not UTF-8/;
      const s = stringBody(bytes);
      expect(() => decodeBody(bodyOf('s', s.length), s), what).toThrow(message);
      const g = stringBody(bytes, 1);
      expect(() => decodeBody(bodyOf('g', g.length), g), what).toThrow(message);
      // as a variant's signature
      const v = Buffer.concat([g, Buffer.alloc(8)]);
      expect(() => decodeBody(bodyOf('v', v.length), v), what).toThrow(message);
      const o = stringBody(Buffer.concat([Buffer.from('/a'), bytes]));
      expect(() => decodeBody(bodyOf('o', o.length), o), what).toThrow();
    }
  });

  it('in a dict, a key or value that is not UTF-8 is refused: two keys never read as one', () => {
    // a{ss} of one entry: {key: "x"} where key is [0x6b, 0xff] and, separately, [0x6b, 0xfe]: Buffer#toString made
    // both "k\uFFFD", one attribute for two different byte strings.
    for (const key of [Buffer.from([0x6b, 0xff]), Buffer.from([0x6b, 0xfe])]) {
      const keyString = stringBody(key); // 4 + 2 + 1 = 7 bytes, then 1 of padding to the value's 4
      const entry = Buffer.concat([keyString, Buffer.alloc(1), stringBody(Buffer.from('x'))]);
      const length = Buffer.alloc(8); // the array's length, then padding to the entry's 8
      length.writeUInt32LE(entry.length);
      const body = Buffer.concat([length, entry]);
      expect(() => decodeBody(bodyOf('a{ss}', body.length), body)).toThrow(/not UTF-8/);
    }
  });

  it('UTF-8 is read as sent: U+FFFD that was sent, a BOM, characters past U+FFFF, an empty string', () => {
    for (const text of ['\uFFFD', 'a\uFFFDb', '\uFEFFbom', 'p\u00e4ss \u{1F511} \u65e5\u672c', '']) {
      const s = stringBody(Buffer.from(text));
      const header = bodyOf('s', s.length);
      decodeBody(header, s);
      expect(header.message.body).toEqual([text]);
    }
  });
});

/**
 * Padding is never read as a value, but the spec makes it zero and libdbus refuses a message where it is not
 * (DBUS_INVALID_ALIGNMENT_PADDING_NOT_NUL; dbus-daemon, being libdbus, does not deliver one). Bytes that carry nothing
 * are one more place for a message to differ from what another reader of it sees, so they are refused here too.
 */
describe('alignment padding on read', () => {
  it("padding before a value, an array's elements, a struct or a dict entry must be zero bytes", () => {
    // [signature, body with zero padding, offsets of its padding bytes]
    const cases: [string, number[], number[]][] = [
      ['yu', [1, 0, 0, 0, 2, 0, 0, 0], [1, 2, 3]],
      ['y(u)', [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0], [1, 7]],
      ['at', [0, 0, 0, 0, 0, 0, 0, 0], [4, 7]], // an empty array still pads to its element's alignment
      ['a{uy}', [5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9], [4, 7]],
      ['yx', [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0], [1, 7]],
    ];
    for (const [signature, bytes, paddingAt] of cases) {
      const header = bodyOf(signature, bytes.length);
      decodeBody(header, Buffer.from(bytes));
      for (const at of paddingAt) {
        const bad = Buffer.from(bytes);
        bad[at] = 0x80;
        expect(() => decodeBody(bodyOf(signature, bad.length), bad), `${signature} at ${at}`).toThrow(
          /alignment padding that is not zero/,
        );
      }
    }
  });

  it('padding between header fields and after them must be zero bytes', () => {
    const message = encodeMessage({
      type: MessageType.MethodReturn,
      serial: 2,
      replySerial: 1,
      sender: ':1.1',
      signature: 's',
      body: ['x'],
    });
    const fieldsLength = message.readUInt32LE(12);
    const bodyStart = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8);
    expect(bodyStart).toBeGreaterThan(16 + fieldsLength); // the message has padding before its body
    expect(decodeMessage(message.subarray(0, 16), message.subarray(16)).message.sender).toBe(':1.1');
    const afterFields = Buffer.from(message);
    afterFields[bodyStart - 1] = 1;
    expect(() => decodeMessage(afterFields.subarray(0, 16), afterFields.subarray(16))).toThrow(
      /padding after the header fields that is not zero/,
    );
    // The sender field's string ends (with its NUL) before the next field's 8-byte boundary.
    const senderEnd = message.indexOf(':1.1\0') + 5;
    expect(senderEnd % 8).not.toBe(0);
    expect(senderEnd).toBeLessThan(16 + fieldsLength);
    const betweenFields = Buffer.from(message);
    betweenFields[senderEnd] = 1;
    expect(() => decodeMessage(betweenFields.subarray(0, 16), betweenFields.subarray(16))).toThrow(
      /alignment padding that is not zero/,
    );
  });
});

/**
 * A reply to `serial` of one `s` holding exactly `bytes` (UTF-8 or not): encoded with a placeholder of the same length,
 * then the placeholder's bytes replaced, since the encoder itself refuses what is not UTF-8.
 */
function replyWithStringBytes(serial: number, bytes: Buffer): Buffer {
  const placeholder = Buffer.alloc(bytes.length, 'q');
  const reply = encodeMessage({
    type: MessageType.MethodReturn,
    serial: 2,
    replySerial: serial,
    sender: 'org.freedesktop.DBus',
    signature: 's',
    body: [placeholder.toString()],
  });
  bytes.copy(reply, reply.lastIndexOf(placeholder));
  return reply;
}

/** An empty reply to `serial`, followed by the bus's hostile bytes again. */
const emptyReplyThenHostile = (endpoint: FakeBus) => (serial: number) =>
  Buffer.concat([
    encodeMessage({ type: MessageType.MethodReturn, serial: 2, replySerial: serial, sender: 'org.freedesktop.DBus' }),
    endpoint.afterHello,
  ]);

describe('a connection to a hostile socket endpoint', () => {
  // A fake bus that answers Hello and then sends `afterHello` (hostile bytes): the connection must end with a
  // ProtocolError as the cause of its ConnectionClosedError, or go on, and never throw out of its reader.
  const endpoint = new FakeBus();
  // Every call is answered, as the first is, by an empty reply and the hostile bytes again, unless a test says else.
  endpoint.reply = emptyReplyThenHostile(endpoint);
  let address: string;
  beforeAll(async () => {
    address = await endpoint.start();
  });
  afterAll(async () => {
    await endpoint.stop();
  });

  it('a reply holding a string that is not UTF-8 fails its call with a ProtocolError; the connection lives on', async () => {
    await withoutUncaught(async () => {
      endpoint.afterHello = Buffer.alloc(0);
      const conn = await DBusConnection.open(address);
      try {
        for (const bytes of [Buffer.from([0x6b, 0xff]), Buffer.from('k\0')]) {
          endpoint.reply = (serial) => replyWithStringBytes(serial, bytes);
          const error = await conn.call({ path: '/x', member: 'Ping' }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as Error).message).toMatch(
            /could not be decoded \(a string (that is not UTF-8|with a NUL inside)\)/,
          );
        }
        endpoint.reply = (serial) => replyWithStringBytes(serial, Buffer.from('k\u00e4'));
        expect((await conn.call({ path: '/x', member: 'Ping' })).body).toEqual(['k\u00e4']);
        expect(conn.closed).toBe(false);
      } finally {
        endpoint.reply = emptyReplyThenHostile(endpoint);
        await conn.close();
      }
    });
  });

  it('a reply with padding that is not zero: in the body it fails its call; in the header it is dropped', async () => {
    await withoutUncaught(async () => {
      endpoint.afterHello = Buffer.alloc(0);
      // 'yus': three bytes of padding after the byte in the body, and header fields that end off an 8-byte boundary.
      const reply = (serial: number, text: string) => {
        const bytes = encodeMessage({
          type: MessageType.MethodReturn,
          serial: 2,
          replySerial: serial,
          sender: 'org.freedesktop.DBus',
          signature: 'yus',
          body: [1, 7, text],
        });
        const fieldsLength = bytes.readUInt32LE(12);
        return { bytes, fieldsEnd: 16 + fieldsLength, bodyStart: 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8) };
      };
      expect(reply(1, 'x').fieldsEnd % 8).not.toBe(0);
      const conn = await DBusConnection.open(address);
      try {
        endpoint.reply = (serial) => {
          const { bytes, bodyStart } = reply(serial, 'x');
          bytes[bodyStart + 1] = 0xff;
          return bytes;
        };
        const error = await conn.call({ path: '/x', member: 'Ping' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as Error).message).toMatch(/could not be decoded \(alignment padding that is not zero\)/);
        // In the header: the message is dropped unread, and the sound reply after it answers the call.
        endpoint.reply = (serial) => {
          const { bytes, fieldsEnd } = reply(serial, 'bad');
          bytes[fieldsEnd] = 0xff;
          return Buffer.concat([bytes, reply(serial, 'good').bytes]);
        };
        expect((await conn.call({ path: '/x', member: 'Ping' })).body).toEqual([1, 7, 'good']);
        expect(conn.closed).toBe(false);
      } finally {
        endpoint.reply = emptyReplyThenHostile(endpoint);
        await conn.close();
      }
    });
  });

  it('fieldsLength 0x80000000 in one 16-byte header closes the connection with a ProtocolError, nothing uncaught', async () => {
    await withoutUncaught(async () => {
      endpoint.afterHello = fixedHeader(true, 2, 1, 0, 0x80000000);
      const conn = await DBusConnection.open(address);
      const closed = new Promise<Error | undefined>((resolve) => conn.onClose(resolve));
      const reason = await closed;
      expect(reason).toBeInstanceOf(ProtocolError);
      expect(conn.closed).toBe(true);
      await expect(conn.call({ path: '/x', member: 'Ping' })).rejects.toBeInstanceOf(ConnectionClosedError);
    });
  });

  it('for any hostile header after Hello: closed with a ProtocolError, or still open; never an uncaught error', async () => {
    await withoutUncaught(async () => {
      await fc.assert(
        fc.asyncProperty(hostileHeader, fc.uint8Array({ maxLength: 48 }), async (header, tail) => {
          endpoint.afterHello = Buffer.concat([header, tail]);
          const conn = await DBusConnection.open(address);
          let reason: Error | undefined;
          conn.onClose((error) => (reason = error));
          try {
            await conn.call({ path: '/x', member: 'Ping' }, { timeoutMs: 50 });
          } catch (error) {
            const typed = [TimeoutException, ConnectionClosedError].some((type) => error instanceof type);
            expect(typed).toBe(true);
          }
          if (conn.closed) expect(reason).toBeInstanceOf(ProtocolError);
          await conn.close();
        }),
        { numRuns: 40 },
      );
    });
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBody, decodeHeader, decodeMessage, encodeMessage } from '../../src/dbus/codec.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { MessageType } from '../../src/dbus/message.js';
import { ConnectionClosedError, ProtocolError, TimeoutException } from '../../src/errors.js';
import type { FrameStats } from '../../src/dbus/framing.js';
import { FakeBus } from '../helpers/fake-bus.js';
import { withoutUncaught } from '../helpers/uncaught.js';

function header(
  serial: number,
  replySerial: number,
  signature: string,
  bodyLength: number,
  fieldsLength: number,
  type = 2,
): Buffer {
  const fixed = Buffer.alloc(16);
  fixed[0] = 0x6c;
  fixed[1] = type;
  fixed[3] = 1;
  fixed.writeUInt32LE(bodyLength, 4);
  fixed.writeUInt32LE(serial, 8);
  fixed.writeUInt32LE(fieldsLength, 12);
  void replySerial;
  void signature;
  return fixed;
}

describe('decoding arbitrary bytes', () => {
  it('decodeMessage either returns a message or throws an Error, for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 256 }), (fixed, rest) => {
        const head = Buffer.from(fixed);
        head[0] = 0x6c;
        try {
          const decoded = decodeMessage(head, Buffer.from(rest));
          decoded.decodeBody();
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('valid replies with a corrupted body byte decode or fail cleanly', () => {
    const good = encodeMessage({
      type: MessageType.MethodReturn,
      serial: 5,
      replySerial: 2,
      signature: 'a{o(oayays)}',
      body: [{ '/a/b': ['/s/1', Buffer.alloc(16, 1), Buffer.alloc(32, 2), 'text/plain'] }],
    });
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (where, flip) => {
        const copy = Buffer.from(good);
        const at = 16 + (where % (copy.length - 16));
        copy[at] ^= flip;
        try {
          decodeMessage(copy.subarray(0, 16), copy.subarray(16)).decodeBody();
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a connection fed garbage replies', () => {
  // Authenticates anyone, answers Hello, then answers each call with whatever bytes the test hands it.
  const bus = new FakeBus({ uniqueName: ':1.99' });
  let address: string;
  beforeAll(async () => {
    address = await bus.start();
  });
  afterAll(async () => {
    await bus.stop();
  });

  it('settles every call with a value or a typed error and never throws out of the reader', async () => {
    await withoutUncaught(async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            // Random bytes after a plausible header for this call.
            fc.record({
              kind: fc.constant('framed' as const),
              fields: fc.nat(64),
              body: fc.uint8Array({ maxLength: 96 }),
            }),
            // Raw random bytes, no framing at all.
            fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
          ),
          async (reply) => {
            bus.reply = (serial) => {
              if (reply.kind === 'raw') return Buffer.from(reply.bytes);
              const padded = ((reply.fields + 7) >> 3) << 3;
              const rest = Buffer.alloc(padded + reply.body.length);
              Buffer.from(reply.body).copy(rest, padded);
              return Buffer.concat([header(99, serial, '', reply.body.length, reply.fields), rest]);
            };
            const conn = await DBusConnection.open(address);
            try {
              await conn.call({ path: '/x', member: 'Ping' }, { timeoutMs: 100 });
            } catch (error) {
              const typed = [ProtocolError, TimeoutException, ConnectionClosedError].some(
                (type) => error instanceof type,
              );
              if (!typed) throw error;
            } finally {
              await conn.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }, 60_000);

  it('a reply whose body does not match its signature rejects that call with ProtocolError', async () => {
    bus.reply = (serial) => {
      const good = encodeMessage({
        type: MessageType.MethodReturn,
        serial: 7,
        replySerial: serial,
        sender: 'org.freedesktop.DBus',
        signature: 'ay',
        body: [Buffer.alloc(8, 1)],
      });
      // Claim the array is far longer than the body.
      const fieldsLength = good.readUInt32LE(12);
      const bodyStart = 16 + (((fieldsLength + 7) >> 3) << 3);
      good.writeUInt32LE(1_000_000, bodyStart);
      return good;
    };
    const conn = await DBusConnection.open(address);
    await expect(conn.call({ path: '/x', member: 'Ping' }, { timeoutMs: 1000 })).rejects.toBeInstanceOf(ProtocolError);
    await conn.close();
  });
});

describe('signature checks', () => {
  it('accepts the Secret Service signatures and refuses malformed ones', async () => {
    const { assertSignature } = await import('../../src/dbus/codec.js');
    for (const good of ['a{o(oayays)}', 'aoao', '(oayays)', 'a{sv}s', 'vo', 'bv', ''])
      expect(() => assertSignature(good)).not.toThrow();
    for (const bad of ['a()', '()', 'a', '{ss}', 'a{vs}', 'a{sss}', '(s', 'm', 'a'.repeat(70) + 's', 'z']) {
      expect(() => assertSignature(bad)).toThrow();
    }
  });

  it('allows 32 nested arrays and 32 nested structs, and no more (as libdbus)', async () => {
    const { assertSignature } = await import('../../src/dbus/codec.js');
    const structs = (n: number, inner: string) => '('.repeat(n) + inner + ')'.repeat(n);
    expect(() => assertSignature('a'.repeat(32) + 'y')).not.toThrow();
    expect(() => assertSignature('a'.repeat(33) + 'y')).toThrow(/more than 32 nested arrays/);
    expect(() => assertSignature(structs(32, 'y'))).not.toThrow();
    expect(() => assertSignature(structs(33, 'y'))).toThrow(/more than 32 nested structs/);
    // Arrays and structs have limits of their own: 32 of each, interleaved, is 64 deep and allowed.
    expect(() => assertSignature('(a'.repeat(32) + 'y' + ')'.repeat(32))).not.toThrow();
    expect(() => assertSignature('a(a{s'.repeat(16) + 'y' + '})'.repeat(16))).not.toThrow();
    expect(() => assertSignature('a(a{s'.repeat(16) + 'ay' + '})'.repeat(16))).toThrow(/more than 32 nested arrays/);
  });
});

describe('the frame reader under any cut of the byte stream', () => {
  it('delivers exactly the frames sent, however the reads split them (also mid-header), and copies them', async () => {
    const { IncomingBytes } = await import('../../src/dbus/incoming.js');
    const { readFrames } = await import('../../src/dbus/framing.js');
    const frame = fc
      .record({ serial: fc.integer({ min: 1, max: 2 ** 31 }), text: fc.string({ maxLength: 300 }) })
      .map(({ serial, text }) =>
        encodeMessage({
          type: MessageType.Signal,
          serial,
          path: '/a',
          interface: 'a.b',
          member: 'C',
          signature: 's',
          body: [text],
        }),
      );
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 97 })),
        (frames, cuts) => {
          const incoming = new IncomingBytes();
          const received: Buffer[] = [];
          readFrames(incoming, 1 << 20, {
            onHeader: (fixedHeader, fields) => {
              const head = Buffer.concat([fixedHeader, fields!, Buffer.alloc((8 - (fields!.length % 8)) % 8)]);
              return (body) => received.push(Buffer.concat([head, body]));
            },
            onFatal: (error) => {
              throw error;
            },
            stopped: () => false,
          });
          const stream = Buffer.concat(frames);
          // Reads through one reused buffer, as onread does: the reader must copy what it keeps.
          const shared = Buffer.alloc(128);
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = Math.min(
              cuts.length ? cuts[i % cuts.length] : stream.length,
              stream.length - at,
              shared.length,
            );
            stream.copy(shared, 0, at, at + size);
            incoming.onread.callback(size, shared);
            shared.fill(0xee);
            at += size;
          }
          expect(received).toEqual(frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves no message behind: the read buffer and each frame are zeroed once they have been handed on', async () => {
    const { IncomingBytes } = await import('../../src/dbus/incoming.js');
    const { readFrames } = await import('../../src/dbus/framing.js');
    const message = encodeMessage({
      type: MessageType.MethodReturn,
      serial: 2,
      replySerial: 1,
      signature: 'ay',
      body: [Buffer.from('plain-secret')],
    });
    const incoming = new IncomingBytes();
    const frames: Buffer[] = [];
    const decoded: unknown[] = [];
    readFrames(incoming, 1 << 20, {
      onHeader: (fixedHeader, fields) => {
        frames.push(fields!);
        const header = decodeHeader(fixedHeader, fields!);
        return (body) => {
          frames.push(body);
          decodeBody(header, body);
          decoded.push(header.message.body[0]);
        };
      },
      onFatal: (error) => {
        throw error;
      },
      stopped: () => false,
    });
    // Two messages in one read and one split across two, through the reused read buffer as onread gives them.
    const stream = Buffer.concat([message, message, message]);
    const buffer = incoming.onread.buffer;
    for (const [from, to] of [
      [0, message.length * 2 + 10],
      [message.length * 2 + 10, stream.length],
    ]) {
      stream.copy(buffer, 0, from, to);
      incoming.onread.callback(to - from, buffer);
      expect(buffer.subarray(0, to - from).every((byte) => byte === 0)).toBe(true);
    }
    expect(decoded.map((value) => Buffer.from(value as Uint8Array).toString())).toEqual(Array(3).fill('plain-secret'));
    expect(frames).toHaveLength(6);
    for (const frame of frames) expect(frame.every((byte) => byte === 0)).toBe(true);
  });

  it('skips a frame above the reader’s limit unread, showing its header; ends the stream on a bad byte order', async () => {
    const { IncomingBytes } = await import('../../src/dbus/incoming.js');
    const { readFrames } = await import('../../src/dbus/framing.js');
    const big = encodeMessage({
      type: MessageType.Signal,
      serial: 1,
      path: '/a',
      interface: 'a.b',
      member: 'C',
      signature: 's',
      body: ['x'.repeat(5000)],
    });
    const small = encodeMessage({ type: MessageType.Signal, serial: 2, path: '/a', interface: 'a.b', member: 'D' });
    const incoming = new IncomingBytes();
    const seen: (number | undefined)[] = [];
    const fatal: Error[] = [];
    const stats: FrameStats = { messages: 0, bodyBytesRead: 0, bytesSkipped: 0, largestBuffer: 0 };
    readFrames(incoming, 1024, {
      onHeader: (_, __, oversize) => {
        seen.push(oversize);
        return () => undefined; // wanted, but the big one's body is skipped whatever this says
      },
      onFatal: (error) => fatal.push(error),
      stopped: () => fatal.length > 0,
      stats,
    });
    const stream = Buffer.concat([big, small]);
    incoming.onread.callback(stream.length, stream);
    expect(seen).toEqual([big.length, undefined]);
    expect(fatal).toEqual([]);
    expect(stats.bodyBytesRead).toBe(0);
    expect(stats.largestBuffer).toBeLessThan(1024);

    const bad = new IncomingBytes();
    readFrames(bad, 1024, {
      onHeader: () => expect.fail('no frame'),
      onFatal: (error) => fatal.push(error),
      stopped: () => fatal.length > 0,
    });
    const bytes = Buffer.from('Xbadheaderbytes!!');
    bad.onread.callback(bytes.length, bytes);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(ProtocolError);
    expect(fatal[0].message).toMatch(/invalid byte order/);
  });
});

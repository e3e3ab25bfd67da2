// encodeMessage writes a whole message into one buffer (fixed header, header fields, body) and fills in the two
// lengths last. Its bytes are pinned against another implementation: dbus-next's marshaller, for random messages of
// the shapes the Secret Service uses, and they decode back to what was sent.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, variant } from '../../src/dbus/codec.js';
import { UnsendableValueError } from '../../src/dbus/writer.js';
import { MessageType, type OutgoingMessage } from '../../src/dbus/message.js';

const require = createRequire(import.meta.url);
const { marshallMessage } = require('dbus-next/lib/marshall-compat') as {
  marshallMessage(message: Record<string, unknown>): [Buffer, number[]];
};
const { Variant: NextVariant } = require('dbus-next') as {
  Variant: new (signature: string, value: unknown) => unknown;
};

/**
 * Text with multi-byte UTF-8, and ASCII on both sides of the length up to which the writer copies ASCII itself (and
 * no NUL, which D-Bus cannot carry).
 */
const text = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ minLength: 100, maxLength: 160 }),
    fc.string({ unit: 'binary', maxLength: 140 }),
  )
  .filter((value) => !value.includes('\0'));
const objectPath = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/), { maxLength: 4 })
  .map((elements) => `/${elements.join('/')}`);
const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array));
const secretStruct = fc.tuple(objectPath, bytes, bytes, text);

/** A body of one of the Secret Service's signatures, as this codec takes it and as dbus-next does. */
const bodies: fc.Arbitrary<{ signature: string; ours: unknown[]; theirs: unknown[] }> = fc.oneof(
  fc
    .dictionary(text, text, { noNullPrototype: true })
    .map((attributes) => ({ signature: 'a{ss}', ours: [attributes], theirs: [attributes] })),
  fc
    .tuple(fc.array(objectPath, { maxLength: 5 }), objectPath)
    .map(([paths, session]) => ({ signature: 'aoo', ours: [paths, session], theirs: [paths, session] })),
  fc.tuple(text, bytes).map(([algorithm, key]) => ({
    signature: 'sv',
    ours: [algorithm, variant('ay', key)],
    theirs: [algorithm, new NextVariant('ay', key)],
  })),
  fc.tuple(text, text, fc.boolean()).map(([label, value, replace]) => ({
    signature: 'a{sv}sb',
    ours: [{ 'org.freedesktop.Secret.Item.Label': variant('s', label) }, value, replace],
    theirs: [{ 'org.freedesktop.Secret.Item.Label': new NextVariant('s', label) }, value, replace],
  })),
  fc.dictionary(objectPath, secretStruct, { noNullPrototype: true }).map((secrets) => ({
    signature: 'a{o(oayays)}',
    ours: [secrets],
    theirs: [secrets],
  })),
  fc.tuple(fc.array(objectPath, { maxLength: 3 }), fc.array(objectPath, { maxLength: 3 })).map(([a, b]) => ({
    signature: 'aoao',
    ours: [a, b],
    theirs: [a, b],
  })),
  fc.constant({ signature: '', ours: [], theirs: [] }),
);

const headers = fc.record(
  {
    type: fc.constantFrom(MessageType.MethodCall, MessageType.MethodReturn, MessageType.Error, MessageType.Signal),
    serial: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    flags: fc.constantFrom(0, 1),
    path: objectPath,
    interface: fc.constantFrom('org.freedesktop.Secret.Service', 'org.freedesktop.DBus.Properties'),
    member: fc.constantFrom('SearchItems', 'GetSecrets', 'Get'),
    errorName: fc.constant('org.freedesktop.Secret.Error.IsLocked'),
    replySerial: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    destination: fc.constantFrom('org.freedesktop.secrets', ':1.42'),
    sender: fc.constant(':1.7'),
  },
  { requiredKeys: ['type', 'serial'] },
);

/** The same headers, with the fields the decoder requires of each message type (the spec's) filled in. */
const completeHeaders = headers.map((header) => ({
  ...header,
  ...(header.type === MessageType.MethodCall || header.type === MessageType.Signal
    ? { path: header.path ?? '/', member: header.member ?? 'Get' }
    : {}),
  ...(header.type === MessageType.Signal ? { interface: header.interface ?? 'org.freedesktop.DBus.Properties' } : {}),
  ...(header.type === MessageType.MethodReturn || header.type === MessageType.Error
    ? { replySerial: header.replySerial ?? 1 }
    : {}),
  ...(header.type === MessageType.Error ? { errorName: header.errorName ?? 'org.freedesktop.DBus.Error.Failed' } : {}),
}));

describe('encodeMessage', () => {
  it("writes the same bytes as dbus-next's marshaller, header fields and body alike", () => {
    fc.assert(
      fc.property(headers, bodies, (header, body) => {
        const message: OutgoingMessage = { ...header, signature: body.signature, body: body.ours };
        const [reference] = marshallMessage({ ...header, signature: body.signature, body: body.theirs });
        expect(encodeMessage(message).equals(reference)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes back to the message it was given', () => {
    fc.assert(
      fc.property(completeHeaders, bodies, (header, body) => {
        const encoded = encodeMessage({ ...header, signature: body.signature, body: body.ours });
        const { message, decodeBody } = decodeMessage(encoded.subarray(0, 16), encoded.subarray(16));
        decodeBody();
        expect(message).toMatchObject({ ...header, flags: header.flags ?? 0, signature: body.signature });
        expect(message.body).toEqual(body.ours);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what the bus would disconnect for, short or long, ASCII or not: NUL, a lone surrogate, a bad path', () => {
    const call = (signature: string, value: unknown) => () =>
      encodeMessage({ type: MessageType.MethodCall, serial: 1, path: '/', member: 'M', signature, body: [value] });
    for (const pad of ['', 'x'.repeat(200), 'é'.repeat(10)]) {
      expect(call('s', `a\0b${pad}`)).toThrow(UnsendableValueError);
      expect(call('s', `lone \ud800${pad}`)).toThrow(UnsendableValueError);
      expect(call('a{ss}', { [`k\0${pad}`]: 'v' })).toThrow(UnsendableValueError);
    }
    for (const path of ['relative', '/trailing/', '//double', '/dash-ed', '/nul\0', `/${'a'.repeat(200)}/`, '/é']) {
      expect(call('o', path)).toThrow(UnsendableValueError);
    }
    expect(call('s', 42)).toThrow(/expected a string/);
    expect(call('g', 'a'.repeat(256))).toThrow(/longer than 255/);
  });

  it('grows past its first buffer for a large body and still writes both lengths', () => {
    const secret = Buffer.alloc(100_000, 7);
    const encoded = encodeMessage({
      type: MessageType.MethodCall,
      serial: 3,
      path: '/org/freedesktop/secrets/collection/login',
      member: 'CreateItem',
      signature: '(oayays)',
      body: [['/s', Buffer.alloc(16), secret, 'text/plain']],
    });
    const { message, decodeBody } = decodeMessage(encoded.subarray(0, 16), encoded.subarray(16));
    decodeBody();
    expect((message.body[0] as unknown[])[2]).toEqual(secret);
  });
});

/**
 * The keyring file format as pure functions: GVariant vectors (GLib's serialisation of the types keyring files use),
 * a file written by libsecret 0.20.5's `secret-tool` in file mode (test/fixtures/libsecret-0.20.5.keyring, password
 * `fixture password`) read and re-serialised byte for byte, and fuzzed input that must end in a typed error, never
 * in a crash or a hang.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNodeCrypto } from '../../src/crypto/node-crypto.js';
import { KeyringFileFormatError, KeyringFileVersionError } from '../../src/errors.js';
import {
  decodeGVariant,
  encodeGVariant,
  GVariantError,
  type GVariantValue,
} from '../../src/keyring-file-format/gvariant.js';
import { parseKeyringFile, serializeKeyringFile } from '../../src/keyring-file-format/file-layout.js';
import * as reference from '../helpers/gvariant-reference.js';
import {
  decryptItem,
  deriveFileKey,
  encryptItem,
  ItemDecryptError,
  itemMatches,
} from '../../src/keyring-file-format/item-crypto.js';

const FIXTURE = readFileSync(new URL('../fixtures/libsecret-0.20.5.keyring', import.meta.url));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

beforeAll(async () => {
  await loadNodeCrypto();
});

describe('GVariant serialisation', () => {
  // Each vector as GLib 2.74 serialises it (GLib.Variant(type, value).get_data_as_bytes(), python3-gi here).
  const vectors: [string, GVariantValue, string][] = [
    ['s', 'ab', '616200'],
    ['s', '\ufeffa', 'efbbbf6100'], // a leading U+FEFF is part of the string
    ['as', ['a', 'bc'], '61006263000205'],
    ['a{ss}', [['k', 'v']], '6b0076000205'],
    ['(su)', ['a', 7], '610000000700000002'],
    ['as', [], ''],
    [
      '(a{ss}sttay)',
      [[['a', 'b']], 'L', 1n, 2n, Uint8Array.of(0xff)],
      '6100620002054c0001000000000000000200000000000000ff0806',
    ],
    [
      '(uayutua(a{say}ay))',
      [2, Uint8Array.of(9, 9), 1000, 5n, 1, []],
      '0200000009090000e80300000000000005000000000000000100000006',
    ],
  ];

  it('writes what GLib writes, and reads it back', () => {
    for (const [signature, value, bytes] of vectors) {
      expect(hex(encodeGVariant(signature, value))).toBe(bytes);
      expect(decodeGVariant(signature, Buffer.from(bytes, 'hex'))).toEqual(value);
    }
  });

  it('refuses strings without their NUL, with a NUL inside, or not UTF-8; offsets out of bounds', () => {
    expect(() => decodeGVariant('s', Uint8Array.of(0x61))).toThrow(GVariantError);
    expect(() => decodeGVariant('s', Uint8Array.of(0x61, 0, 0x62, 0))).toThrow(GVariantError);
    expect(() => decodeGVariant('s', Uint8Array.of(0xff, 0))).toThrow(GVariantError);
    expect(() => decodeGVariant('as', Uint8Array.of(0x61, 0, 0x09))).toThrow(GVariantError);
    expect(() => decodeGVariant('u', Uint8Array.of(1, 2, 3))).toThrow(GVariantError);
  });

  it('uses two-byte framing offsets past 255 bytes, as GLib does', () => {
    const long = 'x'.repeat(300);
    const bytes = encodeGVariant('as', [long, 'y']);
    expect(bytes.length).toBe(307); // GLib's size for the same array
    expect(decodeGVariant('as', bytes)).toEqual([long, 'y']);
  });
});

describe('GVariant serialisation against the plain reference codec (test/helpers/gvariant-reference.ts)', () => {
  // Signatures of the types keyring files use, nested: basic types, arrays, structures (the unit one included) and
  // dictionary entries with basic keys.
  const { type: signatureArbitrary } = fc.letrec<{ type: string; basic: string }>((tie) => ({
    basic: fc.constantFrom('y', 'u', 't', 's'),
    type: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('basic'),
      tie('type').map((element) => `a${element}`),
      fc.array(tie('type'), { maxLength: 4 }).map((members) => `(${members.join('')})`),
      fc.tuple(tie('basic'), tie('type')).map(([key, value]) => `a{${key}${value}}`),
    ),
  }));
  const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
  /** A value of `type` (the reference codec's parse of a signature). */
  const valueOf = (type: reference.GVariantType): fc.Arbitrary<GVariantValue> => {
    switch (type.code) {
      case 'y':
        return fc.integer({ min: 0, max: 0xff });
      case 'u':
        return fc.oneof(fc.constantFrom(0, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
      case 't':
        return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
      case 's':
        return fc.oneof(
          text,
          fc.string({ maxLength: 300 }).filter((s) => !s.includes('\0') && s.isWellFormed()),
        );
      case 'a':
        return type.element.code === 'y'
          ? fc.uint8Array({ maxLength: 300 })
          : fc.array(valueOf(type.element), { maxLength: 5 });
      case '(':
        return fc.tuple(...type.members.map(valueOf)) as fc.Arbitrary<GVariantValue>;
      case '{':
        return fc.tuple(valueOf(type.key), valueOf(type.value)) as fc.Arbitrary<GVariantValue>;
    }
  };
  // Half of them the shapes keyring files have, where framing offsets abound.
  const fileShapes = fc.constantFrom('as', 'aas', 'a{ss}', 'a{say}', '(sas)', '(a{ss}sttay)', '(uayutua(a{say}ay))');
  const typedValue = fc
    .oneof(fileShapes, signatureArbitrary)
    .chain((signature) => valueOf(reference.parseGVariantType(signature)).map((value) => ({ signature, value })));
  /** What decoding gives, or that it throws (the two codecs' messages may differ). */
  const outcome = (decode: () => GVariantValue) => {
    try {
      return { value: decode() };
    } catch (error) {
      return { threw: error instanceof GVariantError || error instanceof reference.GVariantError };
    }
  };

  it('writes the same bytes, and reads them back as the same values', () => {
    fc.assert(
      fc.property(typedValue, ({ signature, value }) => {
        const bytes = encodeGVariant(signature, value);
        expect(hex(bytes)).toBe(hex(reference.encodeGVariant(signature, value)));
        expect(decodeGVariant(signature, bytes)).toEqual(reference.decodeGVariant(signature, bytes));
        expect(decodeGVariant(signature, bytes)).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses (or reads alike) the same damaged bytes', () => {
    fc.assert(
      fc.property(
        typedValue,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(),
        ({ signature, value }, at, xor, cut) => {
          const bytes = Uint8Array.from(reference.encodeGVariant(signature, value));
          if (bytes.length > 0) bytes[at % bytes.length] ^= xor;
          for (const damaged of [bytes, bytes.subarray(0, cut % (bytes.length + 1))]) {
            expect(outcome(() => decodeGVariant(signature, damaged))).toEqual(
              outcome(() => reference.decodeGVariant(signature, damaged)),
            );
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses the same values that do not fit their type', () => {
    const misfits: [string, unknown][] = [
      ['y', 256],
      ['u', -1],
      ['u', 2 ** 32],
      ['u', 1.5],
      ['t', 2n ** 64n],
      ['t', 1],
      ['s', 'a\0b'],
      ['s', '\ud800'],
      ['s', 'x'.repeat(200) + '\0'],
      ['s', 7],
      ['ay', [1, 2]],
      ['as', 'ab'],
      ['(su)', ['a']],
      ['a{ss}', [['k']]],
    ];
    for (const [signature, value] of misfits) {
      expect(() => encodeGVariant(signature, value as GVariantValue), `${signature} ${String(value)}`).toThrow(
        GVariantError,
      );
      expect(() => reference.encodeGVariant(signature, value as GVariantValue)).toThrow(reference.GVariantError);
    }
  });
});

describe('a keyring file written by libsecret 0.20.5 (secret-tool, file mode)', () => {
  it('parses, and serialises back to the same bytes', () => {
    const contents = parseKeyringFile(FIXTURE, 'fixture');
    expect(contents.iterationCount).toBe(100_000);
    expect(contents.salt).toHaveLength(32);
    expect(contents.items).toHaveLength(2);
    expect(hex(serializeKeyringFile(contents))).toBe(hex(FIXTURE));
  });

  it('decrypts with its password: attributes, label, times and secrets as secret-tool stored them', async () => {
    const contents = parseKeyringFile(FIXTURE, 'fixture');
    const key = await deriveFileKey(
      new TextEncoder().encode('fixture password'),
      contents.salt,
      contents.iterationCount,
    );
    const [first, second] = contents.items.map((item) => decryptItem(key, item));
    expect(first.attributes).toEqual({ service: 'example.org', username: 'bob' });
    expect(first.label).toBe("Password for 'bob' on 'example.org'");
    expect(Buffer.from(first.secret).toString()).toBe('s3cret');
    expect(first.created).toBe(first.modified);
    expect(second.attributes).toEqual({ service: 'sérvice ✓', account: 'ália' });
    expect(Buffer.from(second.secret).toString()).toBe('pässwörd ✓');
    expect(itemMatches(key, contents.items[1], { account: 'ália' })).toBe(true);
    expect(itemMatches(key, contents.items[1], { account: 'alia' })).toBe(false);
    expect(itemMatches(key, contents.items[0], { service: 'example.org', username: 'bob' })).toBe(true);
  });

  it('a wrong password verifies no item; an altered blob fails its MAC', async () => {
    const contents = parseKeyringFile(FIXTURE, 'fixture');
    const wrong = await deriveFileKey(new TextEncoder().encode('wrong'), contents.salt, contents.iterationCount);
    expect(() => decryptItem(wrong, contents.items[0])).toThrow(ItemDecryptError);
    const key = await deriveFileKey(
      new TextEncoder().encode('fixture password'),
      contents.salt,
      contents.iterationCount,
    );
    const blob = Uint8Array.from(contents.items[0].blob);
    blob[3] ^= 1;
    expect(() => decryptItem(key, { ...contents.items[0], blob })).toThrow(/fails its MAC/);
  });
});

describe('serialising a file', () => {
  it("writes each item's attributes in the byte order of their UTF-8 names, as libsecret does", () => {
    // U+FFFD sorts before U+10000 in UTF-8 (EF.. < F0..) but after it in UTF-16 (0xFFFD > 0xD800).
    const names = ['b', '\u{10000}', 'é', '\uFFFD', 'B', 'a', 'ab'];
    const mac = new Uint8Array(32);
    const item = { hashedAttributes: names.map((name): [string, Uint8Array] => [name, mac]), blob: Uint8Array.of(1) };
    const contents = { salt: new Uint8Array(32), iterationCount: 1, modified: 0n, usageCount: 0, items: [item] };
    const parsed = parseKeyringFile(serializeKeyringFile(contents), 'f');
    const expected = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(expected).toEqual(['B', 'a', 'ab', 'b', 'é', '\uFFFD', '\u{10000}']);
    expect(parsed.items[0].hashedAttributes.map(([name]) => name)).toEqual(expected);
    // The caller's item is not reordered; a second write of the same items gives the same bytes.
    expect(item.hashedAttributes.map(([name]) => name)).toEqual(names);
    expect(hex(serializeKeyringFile(contents))).toBe(hex(serializeKeyringFile({ ...contents })));
  });
});

describe('encrypting items', () => {
  it('round-trips every shape of attributes and secret', async () => {
    const key = await deriveFileKey(new TextEncoder().encode('pw'), new Uint8Array(32), 1000);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((s) => !s.includes('\0') && s.isWellFormed()),
          fc.string().filter((s) => !s.includes('\0') && s.isWellFormed()),
        ),
        fc.string().filter((s) => !s.includes('\0') && s.isWellFormed()),
        fc.uint8Array({ maxLength: 600 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (attributes, label, secret, time) => {
          const item = { attributes, label, created: time, modified: time, secret };
          const encrypted = encryptItem(key, item);
          expect(decryptItem(key, encrypted)).toEqual({ ...item, attributes: { ...attributes } });
          for (const [name, value] of Object.entries(attributes)) {
            expect(itemMatches(key, encrypted, { [name]: value })).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('hostile and damaged files', () => {
  it('names each kind of damage with a typed error', () => {
    expect(() => parseKeyringFile(new Uint8Array(), 'f')).toThrow(/is empty/);
    expect(() => parseKeyringFile(new TextEncoder().encode('hello'), 'f')).toThrow(KeyringFileFormatError);
    const v0 = Uint8Array.from(FIXTURE);
    v0[16] = 0;
    expect(() => parseKeyringFile(v0, 'f')).toThrow(KeyringFileVersionError);
    expect(() => parseKeyringFile(v0, 'f')).toThrow(/version 0.0/);
    for (const length of [16, 17, 18, 40, 100, FIXTURE.length - 1]) {
      expect(() => parseKeyringFile(FIXTURE.subarray(0, length), 'f')).toThrow(KeyringFileFormatError);
    }
  });

  it('fuzzed bytes after the header, and flipped or cut fixtures, end in a KeyringFileError or parse', () => {
    const header = FIXTURE.subarray(0, 18);
    const check = (bytes: Uint8Array) => {
      try {
        const contents = parseKeyringFile(bytes, 'f');
        // Whatever parses must serialise again.
        serializeKeyringFile(contents);
      } catch (error) {
        if (!(error instanceof KeyringFileFormatError || error instanceof KeyringFileVersionError)) throw error;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (tail) => check(new Uint8Array([...header, ...tail]))),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.nat(FIXTURE.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(FIXTURE.length),
        (at, xor, cut) => {
          const bytes = Uint8Array.from(FIXTURE);
          bytes[at] ^= xor;
          check(bytes);
          check(FIXTURE.subarray(0, cut));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

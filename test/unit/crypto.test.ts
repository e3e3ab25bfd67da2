import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { cbcDecrypter, decryptSecret, encryptSecret } from '../../src/crypto/aes-cbc.js';
import { bigIntToBytes } from '../../src/crypto/bytes.js';
import {
  DH_GENERATOR,
  DH_PRIME,
  generateKeyPair,
  modPow,
  parseServerPublicKey,
  powerOfTwo,
} from '../../src/crypto/dh.js';
import { randomBytes } from '../../src/crypto/random.js';
import { deriveSessionKey, hkdfSha256 } from '../../src/crypto/session-key.js';
import { hkdfSync } from 'node:crypto';
import { ProtocolError } from '../../src/errors.js';
import { loadNodeCrypto } from '../../src/crypto/node-crypto.js';

await loadNodeCrypto(); // as the first session would (src/session.ts)

// Vectors computed independently by Python SecretStorage's prime, hmac-based HKDF and `cryptography`'s AES
// (test/fixtures/dh-vectors.json): a plain case, a shared secret with a leading zero byte, public keys with them, and
// public keys whose top bit is set (sent as 129 signed bytes by KWallet).
const vectors = JSON.parse(readFileSync(new URL('../fixtures/dh-vectors.json', import.meta.url), 'utf8')) as Record<
  string,
  Record<string, string>
>;
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('hkdfSha256', () => {
  it('gives RFC 5869 test case 3 (SHA-256, no salt, empty info), up to one hash length', () => {
    const okm = '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'.slice(0, 64);
    expect(toHex(hkdfSha256(new Uint8Array(22).fill(0x0b), 32))).toBe(okm);
    expect(toHex(hkdfSha256(new Uint8Array(22).fill(0x0b), 16))).toBe(okm.slice(0, 32));
    expect(() => hkdfSha256(new Uint8Array(1), 33)).toThrow(RangeError);
  });

  it("agrees with OpenSSL's own HKDF for any input key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 32 }), (ikm, length) => {
        const expected = new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), new Uint8Array(0), length));
        expect(toHex(hkdfSha256(ikm, length))).toBe(toHex(expected));
      }),
    );
  });
});

/** A non-negative BigInt as the big-endian exponent bytes modPow and powerOfTwo take. */
const bits = (value: bigint) => {
  const digits = value.toString(16);
  return Uint8Array.from(Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex'));
};

describe('modPow', () => {
  const element = fc.bigInt({ min: 2n, max: DH_PRIME - 2n });
  const exponent = fc.bigInt({ min: 0n, max: 2n ** 1024n });

  it('agrees with repeated multiplication for small exponents', () => {
    fc.assert(
      fc.property(element, fc.integer({ min: 0, max: 40 }), (base, e) => {
        let expected = 1n;
        for (let i = 0; i < e; i++) expected = (expected * base) % DH_PRIME;
        expect(modPow(base, bits(BigInt(e)), DH_PRIME)).toBe(expected);
      }),
    );
  });

  it('keeps the laws of exponents, and Fermat: a^(p-1) = 1 mod the (prime) group modulus', () => {
    fc.assert(
      fc.property(element, exponent, exponent, (base, a, b) => {
        expect(modPow(base, bits(a + b), DH_PRIME)).toBe(
          (modPow(base, bits(a), DH_PRIME) * modPow(base, bits(b), DH_PRIME)) % DH_PRIME,
        );
        expect(modPow(modPow(base, bits(a), DH_PRIME), bits(b), DH_PRIME)).toBe(modPow(base, bits(a * b), DH_PRIME));
        expect(modPow(base, bits(DH_PRIME - 1n), DH_PRIME)).toBe(1n);
      }),
      { numRuns: 20 },
    );
  });

  it('handles the edges: exponent 0 (no bytes or zero bytes), modulus 1, leading zero bytes, and refuses negatives', () => {
    expect(modPow(5n, new Uint8Array(0), 7n)).toBe(1n);
    expect(modPow(5n, new Uint8Array(3), 7n)).toBe(1n);
    expect(modPow(5n, Uint8Array.of(0, 0, 3), 7n)).toBe(modPow(5n, Uint8Array.of(3), 7n));
    expect(modPow(5n, Uint8Array.of(1, 0), 1000003n)).toBe(5n ** 256n % 1000003n);
    expect(modPow(5n, Uint8Array.of(3), 1n)).toBe(0n);
    expect(() => modPow(-5n, Uint8Array.of(1), 7n)).toThrow(RangeError);
    expect(() => modPow(5n, Uint8Array.of(1), 0n)).toThrow(RangeError);
  });
});

describe('powerOfTwo', () => {
  it('is modPow with the generator as base, for any exponent (key-sized and beyond) and odd or even moduli', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 1100n }), (e) => {
        expect(powerOfTwo(bits(e), DH_PRIME)).toBe(modPow(DH_GENERATOR, bits(e), DH_PRIME));
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.bigInt({ min: 3n, max: 2n ** 64n }), (e, m) => {
        expect(powerOfTwo(bits(e), m)).toBe(modPow(2n, bits(e), m));
      }),
    );
  });

  it('handles the edges: 2^0, 2^1, 2^(p-1) = 1, leading zero bytes, and refuses a modulus below 3', () => {
    expect(powerOfTwo(bits(0n), DH_PRIME)).toBe(1n);
    expect(powerOfTwo(bits(1n), DH_PRIME)).toBe(2n);
    expect(powerOfTwo(bits(DH_PRIME - 1n), DH_PRIME)).toBe(1n);
    expect(powerOfTwo(bits(3n), 5n)).toBe(3n);
    expect(powerOfTwo(bits(3n), 8n)).toBe(0n); // the doubling that reaches the modulus exactly
    expect(powerOfTwo(Uint8Array.of(0, 0, 1), DH_PRIME)).toBe(2n);
    expect(powerOfTwo(new Uint8Array(0), DH_PRIME)).toBe(1n);
    expect(() => powerOfTwo(bits(1n), 2n)).toThrow(RangeError);
  });
});

describe('dh-ietf1024-sha256-aes128-cbc-pkcs7 vectors', () => {
  for (const [name, v] of Object.entries(vectors)) {
    it(`${name}: public key, AES key and ciphertext match the reference`, () => {
      const pair = generateKeyPair(() => hex(v.clientPrivate), 128);
      expect(toHex(pair.publicKey)).toBe(v.clientPublic);
      expect(pair.publicKey).toHaveLength(128);
      expect(toHex(deriveSessionKey(hex(v.clientPrivate), hex(v.serverPublic)))).toBe(v.aesKey);
      // Both sides agree.
      expect(toHex(deriveSessionKey(hex(v.serverPrivate), hex(v.clientPublic)))).toBe(v.aesKey);
      expect(toHex(encryptSecret(hex(v.aesKey), hex(v.plaintext), hex(v.iv)).ciphertext)).toBe(v.ciphertext);
      expect(toHex(decryptSecret(hex(v.aesKey), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext);
      expect(toHex(cbcDecrypter(hex(v.aesKey)).decrypt(hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext);
    });
  }

  it('the shared-secret vector really has a leading zero byte, and the public-key vector a short key', () => {
    expect(vectors.sharedLeadingZero.shared.startsWith('00')).toBe(true);
    expect(vectors.publicLeadingZero.clientPublic.startsWith('00')).toBe(true);
  });

  it('accepts a server key sent without its leading zero bytes', () => {
    const v = vectors.sharedLeadingZero;
    const unpadded = hex(v.clientPublic.replace(/^(00)+/, ''));
    expect(unpadded.length).toBeLessThan(128);
    expect(toHex(deriveSessionKey(hex(v.serverPrivate), unpadded))).toBe(v.aesKey);
  });

  it("accepts KWallet's 129-byte key: QCA's signed big-endian form, a zero byte before a key whose top bit is set", () => {
    const v = vectors.publicTopBitSet;
    expect(hex(v.serverPublic)[0]).toBeGreaterThanOrEqual(0x80);
    const signedForm = hex(`00${v.serverPublic}`);
    expect(signedForm).toHaveLength(129);
    expect(toHex(deriveSessionKey(hex(v.clientPrivate), signedForm))).toBe(v.aesKey);
    expect(toHex(decryptSecret(hex(v.aesKey), hex(v.iv), hex(v.ciphertext)))).toBe(v.plaintext);
  });
});

describe('key generation', () => {
  it('uses a 256-bit random exponent by default, held in 128 bytes', () => {
    const { privateKey, publicKey } = generateKeyPair();
    expect(privateKey).toHaveLength(128);
    expect(privateKey.subarray(0, 96).every((byte) => byte === 0)).toBe(true);
    expect(privateKey.subarray(96).some((byte) => byte !== 0)).toBe(true);
    expect(publicKey).toHaveLength(128);
  });
});

describe('randomBytes (/dev/urandom)', () => {
  it('fills exactly the length asked, with bytes that differ between calls and are not all one value', () => {
    expect(randomBytes(0)).toHaveLength(0);
    const sizes = [1, 16, 32, 4096];
    for (const size of sizes) expect(randomBytes(size)).toHaveLength(size);
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    // 4,096 bytes from a CSPRNG hit nearly every byte value (the chance of fewer than 200 distinct is negligible).
    expect(new Set(randomBytes(4096)).size).toBeGreaterThan(200);
  });
});

describe('server public key checks', () => {
  const p = DH_PRIME;
  it.each([
    ['0', new Uint8Array([0])],
    ['1', new Uint8Array([1])],
    ['p-1', bigIntToBytes(p - 1n, 128)],
    ['p', bigIntToBytes(p, 128)],
    ['empty', new Uint8Array(0)],
    ['129 significant bytes', new Uint8Array(129).fill(1)],
    ['129 significant bytes behind a leading zero', Uint8Array.of(0, ...new Uint8Array(129).fill(1))],
    ['129 zero bytes (0 in signed form)', new Uint8Array(129)],
    ['p in signed form (a leading zero, then p)', Uint8Array.of(0, ...bigIntToBytes(p, 128))],
    ['p-1 in signed form', Uint8Array.of(0, ...bigIntToBytes(p - 1n, 128))],
  ])('refuses %s', (_, key) => {
    expect(() => parseServerPublicKey(key)).toThrow(ProtocolError);
  });

  it('reads any number of leading zero bytes as the same value (gnome-keyring pads, oo7 strips, KWallet signs)', () => {
    const y = p - 2n;
    expect(parseServerPublicKey(bigIntToBytes(y, 128))).toBe(y);
    expect(parseServerPublicKey(bigIntToBytes(y, 129))).toBe(y);
    expect(parseServerPublicKey(bigIntToBytes(y, 200))).toBe(y);
    expect(parseServerPublicKey(Uint8Array.of(0, 0, 2))).toBe(2n);
  });
});

describe('AES-CBC with strict PKCS#7', () => {
  const key = new Uint8Array(16).fill(7);
  it('pads a block-aligned secret with a full block, and an empty secret to one block', () => {
    expect(encryptSecret(key, new Uint8Array(16)).ciphertext).toHaveLength(32);
    const empty = encryptSecret(key, new Uint8Array(0));
    expect(empty.ciphertext).toHaveLength(16);
    expect(decryptSecret(key, empty.iv, empty.ciphertext)).toHaveLength(0);
  });

  it('uses a fresh IV for every secret', () => {
    const a = encryptSecret(key, new Uint8Array([1]));
    const b = encryptSecret(key, new Uint8Array([1]));
    expect(toHex(a.iv)).not.toBe(toHex(b.iv));
  });

  it('refuses a wrong IV length, an empty or unaligned ciphertext, and bad padding', () => {
    const { iv, ciphertext } = encryptSecret(key, new Uint8Array([1, 2, 3]));
    expect(() => decryptSecret(key, iv.subarray(0, 15), ciphertext)).toThrow(/16-byte|IV/);
    expect(() => decryptSecret(key, iv, new Uint8Array(0))).toThrow(ProtocolError);
    expect(() => decryptSecret(key, iv, ciphertext.subarray(0, 15))).toThrow(ProtocolError);
    // A wrong key: with a fixed IV, so that this is not the one run in about 256 where the garbage it decrypts to
    // happens to end in valid padding (the algorithm has no MAC).
    const fixed = encryptSecret(key, new Uint8Array([1, 2, 3]), new Uint8Array(16).fill(3));
    expect(() => decryptSecret(new Uint8Array(16).fill(8), fixed.iv, fixed.ciphertext)).toThrow(/padding/);
  });

  it('round-trips any secret, and any tampering gives ProtocolError or different bytes, never a crash', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (plain, where, flip) => {
          const { iv, ciphertext } = encryptSecret(key, plain);
          expect(toHex(decryptSecret(key, iv, ciphertext))).toBe(toHex(plain));
          const tampered = Uint8Array.from(ciphertext);
          tampered[where % tampered.length] ^= flip || 1;
          try {
            decryptSecret(key, iv, tampered);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        },
      ),
    );
  });

  it("a session's decrypter (one context, CBC chained by hand) decrypts as decryptSecret, secret after secret", () => {
    const decrypter = cbcDecrypter(key);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (plain, iv) => {
        const { ciphertext } = encryptSecret(key, plain, iv);
        expect(toHex(decrypter.decrypt(iv, ciphertext))).toBe(toHex(plain));
        expect(toHex(decrypter.decrypt(iv, ciphertext))).toBe(toHex(decryptSecret(key, iv, ciphertext)));
      }),
    );
  });

  it("a session's decrypter refuses what decryptSecret refuses, with the same errors, and nothing once closed", () => {
    const decrypter = cbcDecrypter(key);
    const { iv, ciphertext } = encryptSecret(key, new Uint8Array([1, 2, 3]));
    expect(() => decrypter.decrypt(iv.subarray(0, 15), ciphertext)).toThrow(/16-byte|IV/);
    expect(() => decrypter.decrypt(iv, new Uint8Array(0))).toThrow(ProtocolError);
    expect(() => decrypter.decrypt(iv, ciphertext.subarray(0, 15))).toThrow(ProtocolError);
    const fixed = encryptSecret(key, new Uint8Array([1, 2, 3]), new Uint8Array(16).fill(3));
    expect(() => cbcDecrypter(new Uint8Array(16).fill(8)).decrypt(fixed.iv, fixed.ciphertext)).toThrow(/padding/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), (anyIv, anyCiphertext) => {
        let expected: unknown;
        try {
          expected = toHex(decryptSecret(key, anyIv, anyCiphertext));
        } catch (error) {
          expected = (error as Error).message;
        }
        let actual: unknown;
        try {
          actual = toHex(decrypter.decrypt(anyIv, anyCiphertext));
        } catch (error) {
          actual = (error as Error).message;
        }
        expect(actual).toBe(expected);
      }),
    );
    // Still in step after all those refusals.
    expect([...decrypter.decrypt(iv, ciphertext)]).toEqual([1, 2, 3]);
    decrypter.close();
    expect(() => decrypter.decrypt(iv, ciphertext)).toThrow(/closed/);
  });

  it('decoding arbitrary bytes either fails with ProtocolError or returns bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 80 }), (iv, ciphertext) => {
        try {
          expect(decryptSecret(key, iv, ciphertext)).toBeInstanceOf(Uint8Array);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });
});

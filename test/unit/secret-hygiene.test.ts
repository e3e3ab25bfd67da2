import { describe, expect, it, vi } from 'vitest';

// Keep a reference to every buffer the crypto code hands to the primitives, to check it is zeroed afterwards.
const seen = vi.hoisted(() => ({
  sharedSecrets: [] as Uint8Array[],
  padded: [] as Uint8Array[],
  decrypted: [] as Uint8Array[],
  privateKeys: [] as Uint8Array[],
  cipherKeys: [] as Uint8Array[],
}));

// node:crypto as src/crypto uses it (src/crypto/node-crypto.ts: the CommonJS module object), with its primitives
// wrapped in place.
const { loadNodeCrypto } = await import('../../src/crypto/node-crypto.js');
const crypto = await loadNodeCrypto();
// Records what each cipher was fed (the padded plaintext) and what it returned (the padded plaintext on decryption).
const recording = <C extends { update(data: Uint8Array): Buffer }>(cipher: C, fed: Uint8Array[], out: Uint8Array[]) => {
  const update = cipher.update.bind(cipher);
  cipher.update = (data: Uint8Array) => {
    fed.push(data);
    const result = update(data);
    out.push(result);
    return result;
  };
  return cipher;
};
const { createHmac, createCipheriv, createDecipheriv } = crypto;
// HKDF's extract step is the HMAC that is fed the shared secret.
vi.spyOn(crypto, 'createHmac').mockImplementation((...args: Parameters<typeof createHmac>) => {
  const hmac = createHmac(...args);
  const update = hmac.update.bind(hmac);
  hmac.update = ((data: Uint8Array) => {
    if (data.length === 128) seen.sharedSecrets.push(data);
    return update(data);
  }) as typeof hmac.update;
  return hmac;
});
vi.spyOn(crypto, 'createCipheriv').mockImplementation(((...args: Parameters<typeof createCipheriv>) => {
  seen.cipherKeys.push(args[1] as Uint8Array); // the session's own key (it is passed as is), to watch it being wiped
  return recording(createCipheriv(...args), seen.padded, []);
}) as typeof createCipheriv);
/** Every decipher made, newest last. */
const contexts: ReturnType<typeof createDecipheriv>[] = [];
vi.spyOn(crypto, 'createDecipheriv').mockImplementation(((...args: Parameters<typeof createDecipheriv>) => {
  const decipher = recording(createDecipheriv(...args), [], seen.decrypted);
  contexts.push(decipher);
  return decipher;
}) as typeof createDecipheriv);

vi.mock('../../src/crypto/dh.js', async (original) => {
  const real = await original<typeof import('../../src/crypto/dh.js')>();
  return {
    ...real,
    generateKeyPair: (...args: Parameters<typeof real.generateKeyPair>) => {
      const pair = real.generateKeyPair(...args);
      seen.privateKeys.push(pair.privateKey);
      return pair;
    },
  };
});

const { cbcDecrypter, decryptSecret, encryptSecret } = await import('../../src/crypto/aes-cbc.js');
const { generateKeyPair } = await import('../../src/crypto/dh.js');
const { deriveSessionKey } = await import('../../src/crypto/session-key.js');
const { Session, openSession } = await import('../../src/session.js');
const { variant } = await import('../../src/dbus/codec.js');

const isZero = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

describe('key material and plaintext copies are zeroed after use', () => {
  it('the 128-byte shared secret fed to HKDF', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    deriveSessionKey(a.privateKey, b.publicKey);
    expect(seen.sharedSecrets.at(-1)).toHaveLength(128);
    expect(isZero(seen.sharedSecrets.at(-1)!)).toBe(true);
  });

  it('the padded plaintext on encryption and on decryption', () => {
    const key = new Uint8Array(16).fill(9);
    const { iv, ciphertext } = encryptSecret(key, new TextEncoder().encode('plaintext'));
    expect(isZero(seen.padded.at(-1)!)).toBe(true);
    expect(new TextDecoder().decode(decryptSecret(key, iv, ciphertext))).toBe('plaintext');
    expect(isZero(seen.decrypted.at(-1)!)).toBe(true);
    // A session's decrypter: the blocks its one context returns (the plaintext once chained) are zeroed too.
    const decrypter = cbcDecrypter(key);
    expect(new TextDecoder().decode(decrypter.decrypt(iv, ciphertext))).toBe('plaintext');
    expect(seen.decrypted.at(-1)).toHaveLength(16);
    expect(isZero(seen.decrypted.at(-1)!)).toBe(true);
    decrypter.close();
  });

  it("a session's decryption context is freed with its key on forget()", async () => {
    const { session } = await openWithFakeService();
    const key = keyOf(session)!;
    const { iv, ciphertext } = encryptSecret(key, new TextEncoder().encode('read me'));
    const struct = [session.path, Buffer.from(iv), Buffer.from(ciphertext), 'text/plain'];
    expect(session.decode(struct, 'test').value.toString()).toBe('read me');
    expect(session.decode(struct, 'test').value.toString()).toBe('read me'); // the same context, again
    const final = vi.spyOn(contexts.at(-1)!, 'final');
    session.forget();
    expect(final).toHaveBeenCalledOnce();
    expect(isZero(key)).toBe(true);
    expect(() => session.decode(struct, 'test')).toThrow(/closed/);
  });

  const openWithFakeService = async () => {
    const server = generateKeyPair();
    const fakeService = {
      serviceName: 'test',
      call: async (_path: string, _iface: string, member: string) => {
        expect(member).toBe('OpenSession');
        return [variant('ay', Buffer.from(server.publicKey)), '/org/freedesktop/secrets/session/1'];
      },
    };
    const session = await openSession(fakeService as never, 'require');
    return { session, privateKey: seen.privateKeys.at(-1)! };
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  /** The session's key, seen where it is used (a private field cannot be read from outside). */
  const keyOf = (session: InstanceType<typeof Session>) => {
    session.encode(new Uint8Array([1]), 'text/plain');
    return seen.cipherKeys.at(-1);
  };

  it('the DH private exponent once the key is derived (next turn of the event loop), the key on forget()', async () => {
    const { session, privateKey } = await openWithFakeService();
    await nextTurn();
    expect(isZero(privateKey)).toBe(true);
    const key = keyOf(session)!;
    expect(isZero(key)).toBe(false);
    session.forget();
    expect(isZero(key)).toBe(true);
    expect(() => session.encode(new Uint8Array([1]), 'text/plain')).toThrow(/closed/);
  });

  it('the DH private exponent when the session is used at once (derived then), or forgotten before', async () => {
    const used = await openWithFakeService();
    used.session.encode(new Uint8Array([1]), 'text/plain');
    expect(isZero(used.privateKey)).toBe(true);
    expect(isZero(keyOf(used.session)!)).toBe(false);

    const forgotten = await openWithFakeService();
    forgotten.session.forget();
    expect(isZero(forgotten.privateKey)).toBe(true);
    await nextTurn();
    expect(() => forgotten.session.encode(new Uint8Array([1]), 'text/plain')).toThrow(/closed/);
  });

  it('a Session never shows its key', async () => {
    const { inspect } = await import('node:util');
    const key = new Uint8Array(16).fill(0xab);
    const session = new Session('/s/1', 'dh-ietf1024-sha256-aes128-cbc-pkcs7', key);
    expect(inspect(session, { depth: 5 })).not.toMatch(/171|ab,|0xab/);
    // Not even with its custom inspection turned off and hidden properties shown.
    expect(inspect(session, { depth: 5, customInspect: false, showHidden: true })).not.toMatch(/171|ab,|0xab/);
    expect(JSON.stringify(session)).not.toMatch(/171/);
    expect(Object.values(session).some((value) => value instanceof Uint8Array)).toBe(false);
  });
});

describe('secrets the service sends that nobody asked for are zeroed (in a plain session they are in clear)', () => {
  it('a GetSecrets reply with an extra item: the asked one is handed over, the extra one wiped', async () => {
    const { SecretReads } = await import('../../src/secret-reads.js');
    const asked = Buffer.from('asked-secret');
    const extra = Buffer.from('extra-secret');
    const reads = new SecretReads({
      call: async () => [
        {
          '/item/asked': ['/session/plain', Buffer.alloc(0), asked, 'text/plain'],
          '/item/extra': ['/session/plain', Buffer.alloc(0), extra, 'text/plain'],
        },
      ],
    });
    const struct = (await reads.read('/item/asked', '/session/plain')) as unknown[];
    expect(Buffer.from(struct[2] as Uint8Array).toString()).toBe('asked-secret');
    expect(isZero(extra)).toBe(true);
    expect(asked.toString()).toBe('asked-secret');
  });
});

describe('bytes that arrive before the frame reader takes over are zeroed once handed on', () => {
  it('IncomingBytes: what waited for a consumer, and what a consumer gave back', async () => {
    const { IncomingBytes } = await import('../../src/dbus/incoming.js');
    const incoming = new IncomingBytes();
    const read = (text: string) => {
      const length = incoming.onread.buffer.write(text);
      incoming.onread.callback(length, incoming.onread.buffer);
    };
    read('first ');
    read('second');
    const waited = [...(incoming as unknown as { waiting: Buffer[] }).waiting];
    const handed: Buffer[] = [];
    const copies: string[] = [];
    incoming.consume((bytes) => {
      handed.push(bytes);
      copies.push(bytes.toString());
      incoming.giveBack(bytes.subarray(6));
    });
    expect(copies).toEqual(['first second']);
    // The bytes given back wait for the next consumer, a copy of their own, zeroed in turn.
    const givenBack = [...(incoming as unknown as { waiting: Buffer[] }).waiting];
    incoming.consume((bytes) => {
      handed.push(bytes);
      copies.push(bytes.toString());
    });
    expect(copies).toEqual(['first second', 'second']);
    for (const buffer of [...waited, ...givenBack, ...handed]) expect(buffer.every((byte) => byte === 0)).toBe(true);
    // (The read buffer itself is zeroed after every read, where the bytes were written.)
    expect(incoming.onread.buffer.subarray(0, 6).every((byte) => byte === 0)).toBe(true);
  });
});

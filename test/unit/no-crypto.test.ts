import { describe, expect, it, vi } from 'vitest';

// A Node.js built without OpenSSL: node:crypto cannot be loaded. The library still imports (node:crypto is loaded only
// when an encrypted session opens), plain sessions work, and an encrypted one fails with a typed error saying what
// to do. (This file's module graph is its own, so node:crypto has not been loaded by the library here.)
const getBuiltinModule = process.getBuiltinModule.bind(process);
vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
  if (id === 'node:crypto' || id === 'crypto') {
    throw Object.assign(new Error('Node.js is not compiled with OpenSSL crypto support'), { code: 'ERR_NO_CRYPTO' });
  }
  return getBuiltinModule(id);
}) as typeof process.getBuiltinModule);

const { openSession } = await import('../../src/session.js');
const { SecretStorageError } = await import('../../src/errors.js');
const { variant } = await import('../../src/dbus/codec.js');
const { generateKeyPair } = await import('../../src/crypto/dh.js');

function fakeService() {
  const server = generateKeyPair();
  const calls: string[] = [];
  return {
    calls,
    service: {
      serviceName: 'test',
      call: async (_path: string, _iface: string, member: string, _signature: string, body: unknown[]) => {
        calls.push(`${member} ${String(body[0])}`);
        return body[0] === 'plain'
          ? [variant('s', ''), '/org/freedesktop/secrets/session/2']
          : [variant('ay', Buffer.from(server.publicKey)), '/org/freedesktop/secrets/session/1'];
      },
      send: () => undefined,
    },
  };
}

describe('a Node.js without node:crypto', () => {
  it.each(['prefer', 'require'] as const)(
    "encryption '%s': opening fails with SecretStorageError that names the way out, and sends nothing in plain",
    async (mode) => {
      const { service, calls } = fakeService();
      const opening = openSession(service as never, mode);
      await expect(opening).rejects.toBeInstanceOf(SecretStorageError);
      await expect(opening).rejects.toThrow(/node:crypto.*encryption: 'plain'/s);
      expect(calls).toEqual(['OpenSession dh-ietf1024-sha256-aes128-cbc-pkcs7']); // no silent fallback to plain
    },
  );

  it("encryption 'plain' works: a plain session, no crypto needed", async () => {
    const { service } = fakeService();
    const session = await openSession(service as never, 'plain');
    expect(session.encrypted).toBe(false);
    expect(session.decode(session.encode(Buffer.from('pw'), 'text/plain'), 'test').value.toString()).toBe('pw');
  });
});

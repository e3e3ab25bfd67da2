/**
 * A connection makes the DH key pair of its session while its first call waits for an answer (src/connection.ts), so
 * that opening the session later does not wait for the exponentiation. On the mock, whose hooks can hold the first
 * reply back; the key pairs this library makes are told from the mock's own by their arguments (the mock passes its
 * random source).
 */
import { describe, expect, it, vi } from 'vitest';
import type { DhKeyPair } from '../../src/crypto/dh.js';
import { Item, searchItems } from '../../src/index.js';
import type { IncomingMessage } from '../../src/dbus/incoming.js';
import { isVariant } from '../../src/dbus/codec.js';
import { useMock } from '../helpers/mock.js';

const made = vi.hoisted(() => [] as { pair: DhKeyPair }[]);
const arrivals = vi.hoisted(() => [] as string[]);

vi.mock('../../src/crypto/dh.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/crypto/dh.js')>();
  return {
    ...original,
    generateKeyPair: (...args: Parameters<typeof original.generateKeyPair>) => {
      const pair = original.generateKeyPair(...args);
      if (args.length === 0) made.push({ pair });
      return pair;
    },
  };
});

const ITEM = '/org/freedesktop/secrets/collection/login/1';

describe("a connection's session key pair", () => {
  let holdFirst: Promise<void> | undefined;
  let offered: Uint8Array | undefined;
  const m = useMock({
    collections: [
      { id: 'login', label: 'Login', aliases: ['default'], items: [{ attributes: { app: 'kp' }, secret: 'first' }] },
    ],
    hooks: {
      async onCall(message: IncomingMessage) {
        arrivals.push(message.member!);
        if (message.member === 'OpenSession') {
          const input = (message.body as unknown[])[1];
          offered = isVariant(input) ? (input.value as Uint8Array) : undefined;
        }
        if (message.member === 'Get' && holdFirst) await holdFirst;
        return 'pass';
      },
    },
  });

  const reset = () => {
    made.length = 0;
    arrivals.length = 0;
    offered = undefined;
  };

  it('is made while the first call waits for its answer, and is the one OpenSession offers later', async () => {
    const conn = await m.connect();
    reset();
    let release!: () => void;
    holdFirst = new Promise((resolve) => (release = resolve));
    const searching = searchItems(conn, { app: 'kp' }); // no secret: the session is not opened yet
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(arrivals).toEqual(['Get']); // the first call is unanswered…
      expect(made).toHaveLength(1); // …and the key pair is there
    } finally {
      holdFirst = undefined;
      release();
    }
    const [item] = await searching;
    expect((await item.getSecret()).toString()).toBe('first');
    expect(arrivals).toEqual(['Get', 'SearchItems', 'OpenSession', 'GetSecrets']);
    expect(made).toHaveLength(1); // opening the session made no other
    expect(Buffer.from(offered!).equals(Buffer.from(made[0].pair.publicKey))).toBe(true);
    expect(made[0].pair.privateKey.every((byte) => byte === 0)).toBe(true); // wiped once the key was derived
  });

  it('is not made for a connection that never encrypts', async () => {
    const conn = await m.connect({ encryption: 'plain' });
    reset();
    const [item] = await searchItems(conn, { app: 'kp' });
    await new Promise((resolve) => setImmediate(resolve));
    expect((await item.getSecret()).toString()).toBe('first');
    expect(made).toHaveLength(0);
  });

  it('is wiped when the connection closes without having used it', async () => {
    const conn = await m.connect();
    reset();
    expect(await searchItems(conn, { app: 'kp' })).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(made).toHaveLength(1);
    expect(made[0].pair.privateKey.some((byte) => byte !== 0)).toBe(true);
    await conn.close();
    expect(made[0].pair.privateKey.every((byte) => byte === 0)).toBe(true);
  });
});

/**
 * A connection's first call to the service is `Properties.Get(Service, Collections)`, answered before anything else
 * goes out (src/first-contact.ts): gnome-keyring may run a new caller's first call before it knows the caller, and
 * then aborts on an OpenSession or answers a ReadAlias or SearchItems as if the keyring were empty. On the mock, whose
 * hooks can hold a reply back and show the order of arrival.
 */
import { describe, expect, it } from 'vitest';
import { Item, TimeoutException, searchItems, type Connection } from '../../src/index.js';
import type { IncomingMessage } from '../../src/dbus/incoming.js';
import { startMockSecretService } from '../../src/testing/mock-service.js';
import { useMock } from '../helpers/mock.js';

const ITEM = '/org/freedesktop/secrets/collection/login/1';
const FIXTURE = {
  collections: [
    { id: 'login', label: 'Login', aliases: ['default'], items: [{ attributes: { app: 'fc' }, secret: 'first' }] },
  ],
};

/** The mock that takes the service name over on `address`, recording the members of the calls it gets in `calls`. */
function startSuccessor(address: string, calls: string[] = []) {
  return startMockSecretService({
    ...FIXTURE,
    address,
    hooks: {
      onCall: (message) => {
        calls.push(message.member!);
        return 'pass';
      },
    },
  });
}

/** The connection's socket, to stop and resume reading so that replies and signals wait in it together. */
const clientSocket = (conn: Connection) =>
  (conn as unknown as { bus: { socket: { pause(): void; resume(): void } } }).bus.socket;

describe('the first call to the service on a connection', () => {
  const arrivals: string[] = [];
  let holdFirst: Promise<void> | undefined;
  const m = useMock({
    ...FIXTURE,
    hooks: {
      async onCall(message: IncomingMessage) {
        const name = message.member === 'Get' ? `Get(${(message.body as string[]).join(', ')})` : message.member!;
        arrivals.push(name);
        if (message.member === 'Get' && holdFirst) await holdFirst;
        return 'pass';
      },
    },
  });

  it('is Properties.Get(Collections), and the session is opened only once it is answered', async () => {
    const conn = await m.connect();
    arrivals.length = 0;
    let release!: () => void;
    holdFirst = new Promise((resolve) => (release = resolve));
    const reading = new Item(conn, ITEM).getSecret();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(arrivals).toEqual(['Get(org.freedesktop.Secret.Service, Collections)']); // OpenSession waits
    holdFirst = undefined;
    release();
    expect((await reading).toString()).toBe('first');
    expect(arrivals).toEqual(['Get(org.freedesktop.Secret.Service, Collections)', 'OpenSession', 'GetSecrets']);
  });

  it('is made once per connection, also for calls that start together', async () => {
    const conn = await m.connect();
    arrivals.length = 0;
    await Promise.all([searchItems(conn, { app: 'fc' }), searchItems(conn, { app: 'fc' })]);
    await searchItems(conn, { app: 'fc' });
    expect(arrivals).toEqual([
      'Get(org.freedesktop.Secret.Service, Collections)',
      'SearchItems',
      'SearchItems',
      'SearchItems',
    ]);
  });

  it('is made again after the service changed owner (a restarted daemon sees a new caller)', async () => {
    const conn = await m.connect();
    expect(await searchItems(conn, { app: 'fc' })).toHaveLength(1);
    await m.mock.stop();
    const restarted = await startSuccessor(m.bus.address, arrivals);
    try {
      arrivals.length = 0;
      expect((await new Item(conn, ITEM).getSecret()).toString()).toBe('first');
      expect(arrivals).toEqual(['Get', 'OpenSession', 'GetSecrets']);
    } finally {
      await restarted.stop();
    }
  });

  it('that gets no answer fails the call it held back with TimeoutException, within the call timeout', async () => {
    const conn = await m.connect({ callTimeoutMs: 300 });
    holdFirst = new Promise(() => undefined); // never answered
    try {
      const started = Date.now();
      await expect(searchItems(conn, { app: 'fc' })).rejects.toBeInstanceOf(TimeoutException);
      expect(Date.now() - started).toBeLessThan(5000); // not the first call's wait and then the call's own
    } finally {
      holdFirst = undefined;
    }
  });
});

describe('a service that changes owner while this connection is not reading', () => {
  const m = useMock(FIXTURE);

  it('keeps the session it opened with the new owner when it reads of the old one leaving only afterwards', async () => {
    const conn = await m.connect();
    expect(await searchItems(conn, { app: 'fc' })).toHaveLength(1); // first contact made, no session yet
    // Stop reading, so that the signals of the change wait in the socket: OpenSession then goes to the new owner
    // before this connection has read that the old one left.
    const socket = clientSocket(conn);
    socket.pause();
    await m.mock.stop();
    const successor = await startSuccessor(m.bus.address);
    try {
      const reading = new Item(conn, ITEM).getSecret();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.resume();
      expect((await reading).toString()).toBe('first');
      expect((await new Item(conn, ITEM).getSecret()).toString()).toBe('first'); // and it stays usable
    } finally {
      await successor.stop();
    }
  });
});

describe('a service that changes owner while this connection is opening its session', () => {
  const m = useMock(FIXTURE);

  it('opens another with the new owner when the old one answered OpenSession and then left', async () => {
    const conn = await m.connect();
    expect(await searchItems(conn, { app: 'fc' })).toHaveLength(1); // first contact made, no session yet
    const socket = clientSocket(conn);
    let openSessionArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (openSessionArrived = resolve));
    m.mock.hooks.onCall = (message) => {
      // The old owner answers OpenSession while this connection does not read: the reply and the signals of the
      // change then wait in the socket together.
      if (message.member === 'OpenSession') {
        socket.pause();
        openSessionArrived();
      }
      return 'pass';
    };
    const reading = new Item(conn, ITEM).getSecret();
    await arrived;
    await m.mock.stop();
    const successorCalls: string[] = [];
    const successor = await startSuccessor(m.bus.address, successorCalls);
    try {
      socket.resume();
      expect((await reading).toString()).toBe('first');
      // The old owner's session is never offered to its successor: a new one is opened before the read.
      expect(successorCalls.filter((member) => member !== 'Get')).toEqual(['OpenSession', 'GetSecrets']);
      expect((await new Item(conn, ITEM).getSecret()).toString()).toBe('first'); // and it stays usable
    } finally {
      await successor.stop();
    }
  });

  it('opens it with the new owner when the old one left without answering OpenSession', async () => {
    const conn = await m.connect();
    expect(await searchItems(conn, { app: 'fc' })).toHaveLength(1);
    let openSessionArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (openSessionArrived = resolve));
    const socket = clientSocket(conn);
    m.mock.hooks.onCall = async (message) => {
      if (message.member === 'OpenSession') {
        // Never answered: the bus answers NoReply when the mock leaves, read here with the signals of the change
        // once the successor is up.
        socket.pause();
        openSessionArrived();
        await new Promise(() => undefined);
      }
      return 'pass';
    };
    const reading = new Item(conn, ITEM).getSecret();
    await arrived;
    await m.mock.stop();
    const successor = await startSuccessor(m.bus.address);
    try {
      socket.resume();
      expect((await reading).toString()).toBe('first');
      expect(successor.sessions()).toHaveLength(1);
      expect((await new Item(conn, ITEM).getSecret()).toString()).toBe('first');
    } finally {
      await successor.stop();
    }
  });
});

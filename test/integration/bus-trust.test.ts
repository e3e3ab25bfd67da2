/**
 * Another client on the same bus as the attacker: a real dbus-daemon, the mock Secret Service (made slow where the
 * forgery must arrive first), the victim's connection, and a third connection that forges replies and signals.
 * Nothing it sends may change what the victim believes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Collection, searchItems, getDefaultCollection } from '../../src/index.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { MessageType, type IncomingMessage } from '../../src/dbus/message.js';
import { useMock } from '../helpers/mock.js';

const BUS = 'org.freedesktop.DBus';
const BUS_PATH = '/org/freedesktop/DBus';
const DH = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';

/** A call from `victim` with serial `serial`, as a forger addresses its reply (it only needs the two numbers). */
const forgedTarget = (victim: string, serial: number): IncomingMessage => ({
  type: MessageType.MethodCall,
  serial,
  flags: 0,
  sender: victim,
  signature: '',
  body: [],
});

describe('another client on the bus cannot answer for the service', () => {
  const m = useMock({
    collections: [
      { id: 'login', label: 'Login', aliases: ['default'] },
      { id: 'vault', label: 'Vault', locked: true, items: [{ label: 'v', attributes: { a: '1' }, secret: 'x' }] },
    ],
  });
  let attacker: DBusConnection;

  beforeEach(async () => {
    attacker = await DBusConnection.open(m.bus.address);
  });
  afterEach(async () => {
    await attacker.close();
  });

  /** Sends `forge(victim, serial)` for serials 1..200, then makes sure the bus has passed them all on. */
  /** A NameOwnerChanged for the service, sent to `victim` by the attacker (not the bus): owner now `newOwner`. */
  function forgeOwnerChange(victim: string, newOwner: string): void {
    attacker.emitSignal(
      BUS_PATH,
      BUS,
      'NameOwnerChanged',
      'sss',
      [m.mock.busName, m.mock.uniqueName, newOwner],
      victim,
    );
  }

  async function spray(victim: string, forge: (target: IncomingMessage) => void): Promise<void> {
    for (let serial = 1; serial <= 200; serial++) forge(forgedTarget(victim, serial));
    // The bus handles one connection's messages in order: once it answered this, the forgeries are in the victim's queue.
    await attacker.call({ destination: BUS, path: BUS_PATH, interface: `${BUS}.Peer`, member: 'Ping' });
  }

  it('forged NotSupported errors for OpenSession do not push the session into plain text', async () => {
    const conn = await m.connect({ encryption: 'prefer' });
    // A slow service: the forgeries reach the victim before the service's own answer.
    m.mock.hooks.onCall = async (message) => {
      if (message.member === 'OpenSession' && message.sender === conn.uniqueName) {
        await spray(conn.uniqueName, (target) =>
          attacker.replyError(target, 'org.freedesktop.DBus.Error.NotSupported', 'forged'),
        );
      }
      return 'pass';
    };
    const session = await conn.session();
    expect(session.algorithm).toBe(DH);
    expect(m.mock.callCount('OpenSession')).toBe(1);
  });

  it('forged replies neither answer nor fail a call: ReadAlias and SearchItems get the real answers', async () => {
    const conn = await m.connect();
    await getDefaultCollection(conn).createItem('real', { app: 'trust' }, 'the secret');
    m.mock.hooks.onCall = async (message) => {
      if (message.sender === conn.uniqueName && ['ReadAlias', 'SearchItems'].includes(message.member ?? '')) {
        await spray(conn.uniqueName, (target) => {
          attacker.reply(target, 'o', ['/org/freedesktop/secrets/collection/forged']);
          attacker.reply(target, 'aoao', [['/org/freedesktop/secrets/collection/vault/forged'], []]);
          attacker.replyError(target, 'org.freedesktop.Secret.Error.NoSuchObject', 'forged');
        });
      }
      return 'pass';
    };
    const collection = getDefaultCollection(conn);
    expect(await collection.getLabel()).toBe('Login');
    const found = await searchItems(conn, { app: 'trust' });
    expect(await Promise.all(found.map((item) => item.getLabel()))).toEqual(['real']);
  });

  it('a forged NameOwnerChanged does not drop the transfer session', async () => {
    const conn = await m.connect();
    const before = await conn.session();
    forgeOwnerChange(conn.uniqueName, '');
    forgeOwnerChange(conn.uniqueName, attacker.uniqueName);
    await spray(conn.uniqueName, () => undefined);
    await conn.callBus('GetId'); // the victim has read everything the attacker sent by the time this is answered
    expect(await conn.session()).toBe(before);
    expect(m.mock.callCount('OpenSession')).toBe(1);
  });

  it('a forged NameOwnerChanged does not abort a running prompt', async () => {
    m.mock.scenario.prompts = 'never';
    const conn = await m.connect();
    const vault = new Collection(conn, '/org/freedesktop/secrets/collection/vault');
    const unlocking = vault.unlock();
    // Prompt() is called once the victim watches for Completed and for the service leaving.
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    forgeOwnerChange(conn.uniqueName, '');
    await spray(conn.uniqueName, () => undefined);
    await conn.callBus('GetId');
    m.mock.completePrompt(m.mock.pendingPrompts()[0]);
    await unlocking;
    expect(await vault.isLocked()).toBe(false);
  });
});

/**
 * KWallet's own ways, on a real kwalletd5 (SECRETSTORAGE_TEST_PROVIDER=kwallet, `npm run test:providers`): its DH key,
 * its wallet reported locked until a client unlocks it, its Lock refusal, its unlock dialog answered with xdotool.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variant } from '../../src/dbus/codec.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { dbusInit, getDefaultCollection, type Connection } from '../../src/index.js';
import { getPassword, setPassword } from '../../src/keyring/index.js';
import { diagnose } from '../../src/keyring/diagnose.js';
import { generateKeyPair } from '../../src/crypto/dh.js';
import { answerDialog, findDialogs, UNLOCK_DIALOG_TITLES } from '../../src/testing/dialogs.js';
import { startHeadlessProvider, type HeadlessProvider } from '../../src/testing/headless-provider.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { testProvider } from '../helpers/keyring.js';

const TITLE = UNLOCK_DIALOG_TITLES.kwallet;

describe.runIf(testProvider === 'kwallet')('KWallet (kwalletd5)', () => {
  let kwallet: HeadlessProvider;
  const connections: Connection[] = [];
  const connect = async () => {
    const conn = await dbusInit({ address: kwallet.address });
    connections.push(conn);
    return conn;
  };
  beforeAll(async () => {
    // As a fresh login leaves it: the wallet open, but reported locked to Secret Service clients.
    kwallet = await startHeadlessProvider({ provider: 'kwallet', unlock: false });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(connections.map((conn) => conn.close()));
    await kwallet?.stop();
  });

  it('reports the wallet locked until a client calls Unlock, and Lock of it then resolves (KWallet refuses it)', async () => {
    const collection = getDefaultCollection(await connect());
    expect(await collection.isLocked()).toBe(true);
    // kwalletd5 answers InvalidArgs "Can't lock object at path …": the collection is as locked as it says.
    await collection.lock();
    expect(await collection.isLocked()).toBe(true);
  });

  it('diagnose names KWallet and says that an Unlock call, with no dialog, is all the wallet needs', async () => {
    const report = await diagnose({ address: kwallet.address, env: {} });
    expect(report.server).toMatchObject({ kind: 'kwallet', name: 'KWallet' });
    expect(report.server?.evidence).toContain('program kwalletd5');
    expect(report.verdict).toBe('locked');
    const locked = report.checks.find((check) => check.id === 'default-collection');
    expect(locked?.fix).toContain('until one of them calls Unlock');
  });

  it('the password API unlocks it on first use without a dialog, then stores and reads', async () => {
    const conn = await connect();
    await setPassword('kwallet-test', 'alice', 'pw ✓', { connection: conn });
    expect(await getPassword('kwallet-test', 'alice', { connection: conn })).toBe('pw ✓');
    expect(await getDefaultCollection(conn).isLocked()).toBe(false);
    expect(await findDialogs(kwallet.display!, TITLE)).toEqual([]);
  });

  it("opens every session although QCA sends its DH key as 129 bytes whenever the key's top bit is set", async () => {
    const bus = await DBusConnection.open(kwallet.address);
    const lengths: number[] = [];
    try {
      for (let i = 0; i < 24; i++) {
        const reply = await bus.call({
          destination: 'org.freedesktop.secrets',
          path: '/org/freedesktop/secrets',
          interface: 'org.freedesktop.Secret.Service',
          member: 'OpenSession',
          signature: 'sv',
          body: ['dh-ietf1024-sha256-aes128-cbc-pkcs7', variant('ay', Buffer.from(generateKeyPair().publicKey))],
        });
        lengths.push((reply.body[0] as { value: Buffer }).value.length);
      }
    } finally {
      await bus.close();
    }
    // About half the keys have the top bit set (the chance that none of 24 has is 2^-24).
    expect(lengths).toContain(129);
    expect(lengths.every((length) => length <= 129)).toBe(true);
    // Each connection opens its own session: before the fix about half of these failed with a ProtocolError.
    const first = getDefaultCollection(await connect());
    if (await first.isLocked()) await first.unlock(); // open since login: no dialog
    for (let i = 0; i < 24; i++) {
      const conn = await connect();
      const item = await getDefaultCollection(conn).createItem(`dh ${i}`, { test: 'dh', n: String(i) }, `s${i}`, {
        replace: true,
      });
      expect((await item.getSecret()).toString()).toBe(`s${i}`);
      expect((await conn.session()).encrypted).toBe(true);
    }
  });

  it('a locked wallet unlocks through its dialog (answered with xdotool); reads then work', async () => {
    const conn = await connect();
    const collection = getDefaultCollection(conn);
    const item = await collection.createItem('behind the dialog', { test: 'dialog' }, 'kept', { replace: true });
    await collection.lock();
    expect(await collection.isLocked()).toBe(true);
    const unlocking = collection.unlock({ timeoutMs: 60_000 });
    await answerDialog({ display: kwallet.display!, title: TITLE, type: DEFAULT_KEYRING_PASSWORD });
    await unlocking;
    expect((await item.getSecret()).toString()).toBe('kept');
  });

  it('a prompt that times out is dismissed, but KWallet leaves its dialog up (docs/servers.md)', async () => {
    const collection = getDefaultCollection(await connect());
    await collection.lock();
    await expect(collection.unlock({ timeoutMs: 1500 })).rejects.toMatchObject({ name: 'TimeoutException' });
    // Prompt.Dismiss was sent (the prompts tests check that on the mock); kwalletd5 keeps the dialog regardless.
    const left = await findDialogs(kwallet.display!, TITLE);
    expect(left).toHaveLength(1);
    // Whoever answers the dialog left up unlocks the wallet: no client is waiting for it any more.
    await answerDialog({ display: kwallet.display!, title: TITLE, type: DEFAULT_KEYRING_PASSWORD });
    await expect.poll(() => collection.isLocked(), { timeout: 30_000 }).toBe(false);
  });
});

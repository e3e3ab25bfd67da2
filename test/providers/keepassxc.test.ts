/**
 * KeePassXC's own ways, on a real KeePassXC (SECRETSTORAGE_TEST_PROVIDER=keepassxc, `npm run test:providers`): its
 * Lock while it saves, its unlock dialog answered with xdotool, its dialogs left up after Prompt.Dismiss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockedException, dbusInit, getDefaultCollection, type Collection, type Connection } from '../../src/index.js';
import { diagnose } from '../../src/keyring/diagnose.js';
import { answerDialog, findDialogs, UNLOCK_DIALOG_TITLES } from '../../src/testing/dialogs.js';
import { startHeadlessProvider, type HeadlessProvider } from '../../src/testing/headless-provider.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { testProvider } from '../helpers/keyring.js';

const TITLE = UNLOCK_DIALOG_TITLES.keepassxc;

describe.runIf(testProvider === 'keepassxc')('KeePassXC', () => {
  let keepassxc: HeadlessProvider;
  let conn: Connection;
  let collection: Collection;
  const unlockThroughDialog = async () => {
    const unlocking = collection.unlock({ timeoutMs: 60_000 });
    await answerDialog({ display: keepassxc.display!, title: TITLE, type: DEFAULT_KEYRING_PASSWORD });
    await unlocking;
  };
  beforeAll(async () => {
    keepassxc = await startHeadlessProvider({ provider: 'keepassxc' });
    conn = await dbusInit({ address: keepassxc.address });
    collection = getDefaultCollection(conn);
  }, 120_000);
  afterAll(async () => {
    await conn?.close();
    await keepassxc?.stop();
  });

  it('diagnose names KeePassXC by its program and its bus name', async () => {
    const report = await diagnose({ address: keepassxc.address, env: {} });
    expect(report.verdict).toBe('ok');
    expect(report.server).toEqual({
      kind: 'keepassxc',
      name: 'KeePassXC',
      evidence: ['program keepassxc', 'bus name org.keepassxc.KeePassXC.MainWindow'],
    });
  });

  it('a Lock soon after a write locks, although KeePassXC dismisses a Lock that arrives while it saves', async () => {
    const item = await collection.createItem('saved', { test: 'autosave' }, 'v0');
    // It saves a few hundred ms after each write; a Lock sent then is answered with a dismissed prompt (and the
    // database locks a moment later anyway). Sent at several points of that window, each Lock must end locked.
    for (const afterMs of [150, 175, 200, 225, 250, 275]) {
      await item.setSecret(`v${afterMs}`);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      await collection.lock();
      expect(await collection.isLocked()).toBe(true);
      await unlockThroughDialog();
      expect((await item.getSecret()).toString()).toBe(`v${afterMs}`);
    }
  });

  it('reading or writing an item of the locked database: LockedException, as gnome-keyring gives, not a missing item', async () => {
    const item = await collection.createItem('unexported while locked', { test: 'locked-item' }, 'kept');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // past its save, so the Lock is not dismissed
    await collection.lock();
    // KeePassXC answers UnknownObject for the items of a locked database.
    await expect(item.getSecret()).rejects.toBeInstanceOf(LockedException);
    await expect(item.setSecret('new')).rejects.toBeInstanceOf(LockedException);
    await unlockThroughDialog();
    expect((await item.getSecret()).toString()).toBe('kept');
  });

  it('a prompt that times out is dismissed, but KeePassXC leaves its dialog up (docs/servers.md)', async () => {
    await collection.lock();
    await expect(collection.unlock({ timeoutMs: 1500 })).rejects.toMatchObject({ name: 'TimeoutException' });
    expect(await findDialogs(keepassxc.display!, TITLE)).toHaveLength(1);
    // Answering the dialog left up unlocks the database for everyone.
    await answerDialog({ display: keepassxc.display!, title: TITLE, type: DEFAULT_KEYRING_PASSWORD });
    await expect.poll(() => collection.isLocked(), { timeout: 30_000 }).toBe(false);
  });
});

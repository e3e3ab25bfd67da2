import { describe, expect, it } from 'vitest';
import {
  Collection,
  Item,
  LockedException,
  ConnectionClosedError,
  NoBackendError,
  PromptDismissedException,
  ProtocolError,
  SecretStorageError,
  TimeoutException,
  createCollection,
  getDefaultCollection,
  getSecrets,
  lockObjects,
} from '../../src/index.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { variant } from '../../src/dbus/codec.js';
import { busMatchRuleCount } from '../helpers/bus-stats.js';
import { useMock } from '../helpers/mock.js';

const LOCKED = {
  id: 'vault',
  label: 'Vault',
  locked: true,
  items: [{ label: 'v', attributes: { a: '1' }, secret: 'in vault' }],
};

describe('prompts that complete', () => {
  const m = useMock({ collections: [{ id: 'login', label: 'Login', aliases: ['default'] }, LOCKED] });

  it('unlock() runs the prompt and the collection is then unlocked', async () => {
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    expect(await vault.isLocked()).toBe(true);
    await vault.unlock();
    expect(await vault.isLocked()).toBe(false);
    expect(m.mock.callCount('Prompt')).toBe(1);
    const [item] = await vault.getAllItems();
    expect((await item.getSecret()).toString()).toBe('in vault');
  });

  it('createCollection goes through the prompt and returns the new collection', async () => {
    const created = await createCollection(m.conn, 'Made by prompt');
    expect(await created.getLabel()).toBe('Made by prompt');
    expect(m.mock.collections().map((c) => c.label)).toContain('Made by prompt');
  });

  it('getDefaultCollection creates "Default" with a prompt when no collection has the alias', async () => {
    const lonely = await m.connect();
    await import('../../src/index.js').then(({ setAlias }) => setAlias(lonely, 'default', null));
    const collection = getDefaultCollection(lonely);
    expect(await collection.getLabel()).toBe('Default');
    expect(m.mock.aliases().default).toBe(await collection.getPath());
  });

  it('leaves no match rule behind after 50 prompts', async () => {
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    await vault.unlock();
    // One rule stays for good: the watch on the service's owner (NameOwnerChanged).
    const before = await busMatchRuleCount(m.bus.address, m.conn.bus.uniqueName);
    expect(before).toBe(1);
    for (let i = 0; i < 50; i++) {
      await vault.lock();
      await vault.unlock();
    }
    expect(await busMatchRuleCount(m.bus.address, m.conn.bus.uniqueName)).toBe(before);
  });
});

describe('prompts that are dismissed or never answered', () => {
  const m = useMock({
    prompts: 'dismiss',
    collections: [{ id: 'login', label: 'Login', aliases: ['default'] }, LOCKED],
  });

  it('a dismissed unlock throws PromptDismissedException and the collection stays locked', async () => {
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const error = await vault.unlock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptDismissedException);
    expect(await vault.isLocked()).toBe(true);
  });

  it('a prompt that never completes times out, and is dismissed so no dialog stays open', async () => {
    m.mock.scenario.prompts = 'never';
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    await expect(vault.unlock({ timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutException);
    expect(m.mock.callCount('Dismiss')).toBe(1);
    expect(m.mock.pendingPrompts()).toEqual([]);
  });

  it('the connection-wide promptTimeoutMs applies to every prompting call', async () => {
    m.mock.scenario.prompts = 'never';
    const conn = await m.connect({ promptTimeoutMs: 150 });
    await expect(createCollection(conn, 'never')).rejects.toBeInstanceOf(TimeoutException);
    expect(m.mock.pendingPrompts()).toEqual([]);
  });

  it("aborting dismisses the prompt and rejects with the signal's reason", async () => {
    m.mock.scenario.prompts = 'never';
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const controller = new AbortController();
    const pending = vault.unlock({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(pending).rejects.toThrow('user gave up');
    // Under load the abort can come before the Unlock reply: its prompt is then dismissed when the reply arrives.
    await expect.poll(() => m.mock.callCount('Dismiss')).toBe(1);
    await expect(vault.unlock({ signal: controller.signal })).rejects.toThrow('user gave up');
  });

  it('a prompt completed by the user later than expected still resolves', async () => {
    m.mock.scenario.prompts = 'never';
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const pending = vault.unlock();
    // Complete it only once the client has called Prompt() (completing earlier would end the prompt before it ran).
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    m.mock.completePrompt(m.mock.pendingPrompts()[0]);
    await pending;
    expect(await vault.isLocked()).toBe(false);
  });

  it('the service vanishing mid-prompt fails the wait at once', async () => {
    m.mock.scenario.prompts = 'never';
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const pending = vault.unlock();
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await m.mock.stop();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBackendError);
    expect((error as Error).message).toMatch(/exited while its prompt was open/);
  });

  it('a prompt deadline past what a timer holds waits, instead of dismissing the prompt at once', async () => {
    m.mock.scenario.prompts = 'never';
    const controller = new AbortController();
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const pending = vault.unlock({ timeoutMs: 2 ** 31, signal: controller.signal }).catch((e: unknown) => e);
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(m.mock.callCount('Dismiss')).toBe(0);
    controller.abort(new Error('enough'));
    expect(((await pending) as Error).message).toBe('enough');
  });

  it('closing the connection mid-prompt fails the wait with ConnectionClosedError', async () => {
    m.mock.scenario.prompts = 'never';
    const conn = await m.connect();
    const pending = new Collection(conn, '/org/freedesktop/secrets/collection/vault').unlock();
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await conn.close();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/connection closed while the prompt was open/);
  });
});

describe('KeePassXC-style prompts', () => {
  const m = useMock({
    promptOnCreateItem: true,
    promptOnLock: true,
    getSecretsFailsOnLocked: true,
    promptOnDelete: true,
  });

  it('createItem uses the item path from the prompt result', async () => {
    const item = await getDefaultCollection(m.conn).createItem('kp', { a: 'b' }, 'via prompt');
    expect(item.itemPath).not.toBe('/');
    expect((await item.getSecret()).toString()).toBe('via prompt');
  });

  it('lock() runs its prompt (SecretStorage ignores it) and delete() too', async () => {
    const collection = getDefaultCollection(m.conn);
    const item = await collection.createItem('kp', { a: 'c' }, 'x');
    await collection.lock();
    expect(await collection.isLocked()).toBe(true);
    expect(m.mock.callCount('Prompt')).toBe(2);
    await collection.unlock();
    await item.delete();
    expect(m.mock.item(item.itemPath)).toBeUndefined();
  });

  it('GetSecrets refused for a locked item: getSecrets leaves that one out, as on gnome-keyring', async () => {
    const collection = getDefaultCollection(m.conn);
    const item = await collection.createItem('kp', { a: 'd' }, 'x');
    const open = await collection.createItem('kp', { a: 'o' }, 'readable');
    m.mock.lock(item.itemPath);
    const secrets = await getSecrets(m.conn, [item, open]);
    expect([...secrets.keys()]).toEqual([open.itemPath]);
    await expect(item.getSecret()).rejects.toBeInstanceOf(LockedException);
    await item.unlock();
    expect((await getSecrets(m.conn, [item])).get(item.itemPath)?.toString()).toBe('x');
  });

  it('locks single items through Service.Lock', async () => {
    const item = await getDefaultCollection(m.conn).createItem('kp', { a: 'e' }, 'x');
    await lockObjects(m.conn, [item.itemPath]);
    expect(await new Item(m.conn, item.itemPath).isLocked()).toBe(true);
  });
});

describe('broadcast Completed signals', () => {
  const m = useMock({
    broadcastCompleted: true,
    collections: [{ id: 'login', label: 'Login', aliases: ['default'] }, LOCKED],
  });

  it('a broadcast Completed is received through the match rule', async () => {
    await new Collection(m.conn, '/org/freedesktop/secrets/collection/vault').unlock();
  });

  it('a Completed signal forged by another connection is ignored', async () => {
    m.mock.scenario.prompts = 'never';
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const pending = vault.unlock();
    while (m.mock.callCount('Prompt') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const [prompt] = m.mock.pendingPrompts();
    const forger = await DBusConnection.open(m.bus.address);
    forger.emitSignal(prompt, 'org.freedesktop.Secret.Prompt', 'Completed', 'bv', [false, variant('ao', [])]);
    // The real answer arrives later; the forged one must not have settled the wait.
    let settled = false;
    void pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    m.mock.completePrompt(prompt);
    await pending;
    expect(await vault.isLocked()).toBe(false);
    await forger.close();
  });
});

describe('aborting while the Unlock call itself is unanswered', () => {
  let holdUnlock: Promise<void> | undefined;
  const m = useMock({
    prompts: 'never',
    collections: [{ id: 'login', label: 'Login', aliases: ['default'] }, LOCKED],
    hooks: {
      async onCall(message) {
        if (message.member === 'Unlock' && holdUnlock) await holdUnlock;
        return 'pass';
      },
    },
  });

  it("rejects at once with the signal's reason, and dismisses the prompt the call answers with later", async () => {
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    let release!: () => void;
    holdUnlock = new Promise((resolve) => (release = resolve));
    const controller = new AbortController();
    const pending = vault.unlock({ signal: controller.signal });
    while (m.mock.callCount('Unlock') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    holdUnlock = undefined;
    release(); // the service answers now, with a prompt nobody will run
    while (m.mock.callCount('Dismiss') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(m.mock.pendingPrompts()).toEqual([]);
    expect(m.mock.callCount('Prompt')).toBe(0);
    expect(await vault.isLocked()).toBe(true);
  });

  it('sends nothing when the signal has already aborted', async () => {
    const vault = new Collection(m.conn, '/org/freedesktop/secrets/collection/vault');
    const before = m.mock.callCount('Unlock');
    await expect(vault.unlock({ signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow('too late');
    expect(m.mock.callCount('Unlock')).toBe(before);
  });
});

describe('how a prompt ends when the service is slow, silent or wrong', () => {
  const VAULT = '/org/freedesktop/secrets/collection/vault';
  let holdUnlock: Promise<void> | undefined;
  const m = useMock({
    prompts: 'never',
    collections: [{ id: 'login', label: 'Login', aliases: ['default'] }, LOCKED],
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('an Unlock answered after its deadline: the prompt it brings is dismissed, with or without a signal', async () => {
    m.mock.hooks.onCall = async (message) => {
      if (message.member === 'Unlock' && holdUnlock) await holdUnlock;
      return 'pass';
    };
    for (const signal of [undefined, new AbortController().signal]) {
      let release!: () => void;
      holdUnlock = new Promise((resolve) => (release = resolve));
      const dismissed = m.mock.callCount('Dismiss');
      const error = await new Collection(m.conn, VAULT).unlock({ timeoutMs: 100, signal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutException);
      expect((error as Error).message).toMatch(
        /Service\.Unlock on \/org\/freedesktop\/secrets got no reply within 100 ms/,
      );
      holdUnlock = undefined;
      release(); // the service answers now, with a prompt nobody will run
      await until(() => m.mock.callCount('Dismiss') > dismissed);
      expect(m.mock.pendingPrompts()).toEqual([]);
    }
    expect(m.mock.callCount('Prompt')).toBe(0);
  });

  it('a Prompt() call the service never answers is not left pending once the prompt times out', async () => {
    m.mock.hooks.onCall = (message) => (message.member === 'Prompt' ? 'drop' : 'pass');
    const conn = await m.connect({ callTimeoutMs: 0 }); // no call deadline: only the prompt's
    await conn.session();
    const pending = conn.bus.pendingCallCount;
    await expect(new Collection(conn, VAULT).unlock({ timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutException);
    await until(() => m.mock.callCount('Dismiss') === 1);
    await until(() => conn.bus.pendingCallCount === pending);
  });

  it('aborted while its match rule is being added: Prompt() is not called, and the prompt is dismissed', async () => {
    const controller = new AbortController();
    const bus = m.conn.bus as unknown as { addMatch(rule: string): Promise<void> };
    const addMatch = bus.addMatch.bind(m.conn.bus);
    bus.addMatch = (rule) => {
      if (rule.includes('Prompt')) controller.abort(new Error('user gave up'));
      return addMatch(rule);
    };
    try {
      await expect(new Collection(m.conn, VAULT).unlock({ signal: controller.signal })).rejects.toThrow('user gave up');
    } finally {
      bus.addMatch = addMatch;
    }
    await until(() => m.mock.callCount('Dismiss') === 1);
    expect(m.mock.callCount('Prompt')).toBe(0);
    expect(m.mock.pendingPrompts()).toEqual([]);
  });

  it('a creation whose prompt completes with "/" is a ProtocolError, not an object at "/"', async () => {
    m.mock.scenario.prompts = 'complete';
    m.mock.scenario.promptOnCreateItem = true;
    m.mock.hooks.transformPromptResult = (result) => (result.signature === 'o' ? variant('o', '/') : result);
    const created = createCollection(m.conn, 'nowhere').catch((e: unknown) => e);
    expect(await created).toBeInstanceOf(ProtocolError);
    expect(((await created) as Error).message).toMatch(/CreateCollection "nowhere": the prompt completed without/);
    const item = getDefaultCollection(m.conn)
      .createItem('nowhere', { a: 'b' }, 'x')
      .catch((e: unknown) => e);
    expect(await item).toBeInstanceOf(ProtocolError);
  });

  it('a Lock the service answers without locking is an error, not a locked keyring', async () => {
    m.mock.unlock(VAULT);
    m.mock.hooks.onCall = (message) => (message.member === 'Lock' ? { signature: 'aoo', body: [[], '/'] } : 'pass');
    const vault = new Collection(m.conn, VAULT);
    const error = await vault.lock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStorageError);
    expect((error as Error).message).toBe(`The Secret Service did not lock ${VAULT}: it still reports it unlocked.`);
    expect(await vault.isLocked()).toBe(false);
    // One it does lock passes, though left out of the answer.
    m.mock.hooks.onCall = (message) => {
      if (message.member !== 'Lock') return 'pass';
      m.mock.lock(VAULT);
      return { signature: 'aoo', body: [[], '/'] };
    };
    await vault.lock();
    expect(await vault.isLocked()).toBe(true);
  });

  it('an Unlock whose answer leaves out an object that is unlocked succeeds; one still locked does not', async () => {
    m.mock.hooks.onCall = (message) => (message.member === 'Unlock' ? { signature: 'aoo', body: [[], '/'] } : 'pass');
    m.mock.unlock(VAULT);
    await new Collection(m.conn, VAULT).unlock();
    m.mock.lock(VAULT);
    await expect(new Collection(m.conn, VAULT).unlock()).rejects.toBeInstanceOf(LockedException);
  });
});

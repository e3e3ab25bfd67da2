/**
 * The password API (`secretstorage/keyring`) on a real gnome-keyring: profiles write exactly their tool's format,
 * reads find every tool's items, writes never leave duplicates, locked collections fail loudly. Prompts that
 * gnome-keyring cannot show headlessly (completed, never answered) run against the mock service.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  Collection,
  Item,
  InvalidArgumentError,
  ItemNotFoundException,
  LockedException,
  NoBackendError,
  PromptDismissedException,
  SecretStorageError,
  TimeoutException,
  createCollectionWithPassword,
  getDefaultCollection,
  searchItems,
  setAlias,
} from '../../src/index.js';
import {
  DEFAULT_PROFILE,
  deletePassword,
  findCredentials,
  getCredential,
  getPassword,
  setPassword,
  storePassword,
  type KeyringOptions,
} from '../../src/keyring/index.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';
import {
  DEFAULT_COLLECTION,
  externalBusAddress,
  noPasswordCollections,
  skipOn,
  storedAttributes,
  useKeyring,
} from '../helpers/keyring.js';
import { python } from '../helpers/peer-tools.js';
import keytar from '../../src/keytar.js';
import { LOCKED_VAULT, useMock } from '../helpers/mock.js';

const GENERIC = 'org.freedesktop.Secret.Generic';
const LOGIN = DEFAULT_COLLECTION;
let counter = 0;

/**
 * The attributes as the writer sent them: gnome-keyring adds xdg:schema=org.freedesktop.Secret.Generic to items
 * stored without one (when it reloads its file), so that one is dropped unless the writer sent it.
 */
function asWritten(read: Record<string, string>, sent: Record<string, string>): Record<string, string> {
  const attributes = storedAttributes(read);
  const { 'xdg:schema': schema, ...rest } = attributes;
  return schema === undefined || (schema === GENERIC && !('xdg:schema' in sent)) ? rest : attributes;
}
const uniqueService = (name = 'svc') => `${name}-${process.pid}-${++counter}`;

describe('the password API on gnome-keyring', () => {
  const k = useKeyring();
  const on = (extra: KeyringOptions = {}): KeyringOptions => ({ connection: k.conn, ...extra });
  const itemsOf = (service: string) => searchItems(k.conn, { service });

  async function lockedCollection(label: string): Promise<Collection> {
    return new Collection(k.conn, await createCollectionWithPassword(k.conn, label, 'collection-password'));
  }

  it('the README snippets work as written against the session bus', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    try {
      await setPassword('myapp', 'alice', 's3cret');
      expect(await getPassword('myapp', 'alice')).toBe('s3cret');
      expect(await findCredentials('myapp')).toEqual([{ username: 'alice', password: 's3cret' }]);
      expect(await deletePassword('myapp', 'alice')).toBe(true);
      expect(await getPassword('myapp', 'alice')).toBeNull();
      const { default: keytar } = await import('../../src/keytar.js');
      await keytar.setPassword('myapp', 'alice', 's3cret');
      expect(await keytar.getPassword('myapp', 'alice')).toBe('s3cret');
      expect(await keytar.findCredentials('myapp')).toEqual([{ account: 'alice', password: 's3cret' }]);
      expect(await keytar.findPassword('myapp')).toBe('s3cret');
      expect(await keytar.deletePassword('myapp', 'alice')).toBe(true);
      expect(await keytar.deletePassword('myapp', 'alice')).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });

  it('each profile writes exactly its tool’s attributes and label; python-keyring is the default', async () => {
    expect(DEFAULT_PROFILE).toBe('python-keyring');
    const expected = {
      keytar: (s: string) => ({
        label: `${s}/alice`,
        attributes: { service: s, account: 'alice', 'xdg:schema': GENERIC },
      }),
      'python-keyring': (s: string) => ({
        label: `Password for 'alice' on '${s}'`,
        attributes: { service: s, username: 'alice', application: 'Python keyring library' },
      }),
      'keyring-rs': (s: string) => ({ label: `keyring:alice@${s}`, attributes: { service: s, username: 'alice' } }),
    } as const;
    for (const profile of ['keytar', 'python-keyring', 'keyring-rs', undefined] as const) {
      const service = uniqueService(profile);
      const result = await storePassword(service, 'alice', 'pw', on(profile ? { profile } : {}));
      expect(result.action).toBe('created');
      const [item] = await itemsOf(service);
      expect(item.itemPath).toBe(result.itemPath);
      expect(result.itemPath.startsWith(`${LOGIN}/`)).toBe(true);
      const want = expected[profile ?? 'python-keyring'](service);
      expect({
        label: await item.getLabel(),
        attributes: asWritten(await item.getAttributes(), want.attributes),
      }).toEqual(want);
      expect((await item.getSecret()).toString()).toBe('pw');
    }
  });

  it('setting a password again updates the item in place, in every profile', async () => {
    for (const profile of ['keytar', 'python-keyring', 'keyring-rs'] as const) {
      const service = uniqueService(profile);
      const first = await storePassword(service, 'bob', 'one', on({ profile }));
      const second = await storePassword(service, 'bob', 'two', on({ profile }));
      expect(second).toMatchObject({ action: 'updated', itemPath: first.itemPath, updated: 1, removedDuplicates: 0 });
      expect(await itemsOf(service)).toHaveLength(1);
      expect(await getPassword(service, 'bob', on({ profile }))).toBe('two');
    }
  });

  it('removes exact duplicates left in one collection, and updates the other items its tool would read', async () => {
    const service = uniqueService();
    const login = getDefaultCollection(k.conn);
    const python = { service, username: 'carol', application: 'Python keyring library' };
    await login.createItem('dup 1', python, 'old');
    await login.createItem('dup 2', python, 'old');
    const napiStyle = await login.createItem('keyring:carol@svc', { service, username: 'carol' }, 'old');
    const result = await storePassword(service, 'carol', 'new', on());
    expect(result).toMatchObject({ action: 'updated', updated: 2, removedDuplicates: 1 });
    const left = await itemsOf(service);
    expect(left).toHaveLength(2);
    for (const item of left) expect((await item.getSecret()).toString()).toBe('new');
    expect(left.some((item) => item.equals(napiStyle))).toBe(true);
  });

  it.skipIf(noPasswordCollections)(
    'the default profile updates its item outside the default collection when the default collection has none',
    async () => {
      const service = uniqueService();
      const other = await lockedCollection('Elsewhere');
      const elsewhere = await other.createItem('keyring-rs style', { service, username: 'kim' }, 'old');
      const moved = await storePassword(service, 'kim', 'new', on());
      // Updated where it is: a second item in the default collection would leave 'old' readable beside it.
      expect(moved).toMatchObject({ action: 'updated', itemPath: elsewhere.itemPath, updated: 1 });
      expect(await itemsOf(service)).toHaveLength(1);
      expect(await getPassword(service, 'kim', on())).toBe('new');
      // With an item of its own in the default collection, that one is what Python keyring reads and what is updated.
      const own = await storePassword(service, 'kim', 'login', on({ collection: 'default' }));
      expect(own.action).toBe('created');
      const again = await storePassword(service, 'kim', 'newer', on());
      expect(again).toMatchObject({ action: 'updated', itemPath: own.itemPath, updated: 1 });
      expect((await elsewhere.getSecret()).toString()).toBe('new');
      // Locked elsewhere: not unlocked (that needs a prompt, impossible headless); a new item in the default collection.
      const lockedService = uniqueService();
      await other.createItem('locked copy', { service: lockedService, username: 'kim' }, 'old');
      await other.lock();
      const created = await storePassword(lockedService, 'kim', 'new', on());
      expect(created.action).toBe('created');
      expect(created.itemPath.startsWith(`${LOGIN}/`)).toBe(true);
      await other.unlock({ password: 'collection-password' });
    },
  );

  it.skipIf(noPasswordCollections)(
    'reads find any tool’s item in any collection, and rank the profile’s own item first',
    async () => {
      const service = uniqueService();
      const other = await lockedCollection('Other');
      await other.createItem('keytar style', { service, account: 'dave', 'xdg:schema': GENERIC }, 'from-keytar');
      expect(await getPassword(service, 'dave', on())).toBe('from-keytar');
      expect(await getPassword(service, 'dave', on({ profile: 'keyring-rs' }))).toBe('from-keytar');
      await getDefaultCollection(k.conn).createItem(
        'python style',
        { service, username: 'dave', application: 'x' },
        'from-python',
      );
      expect(await getPassword(service, 'dave', on({ profile: 'keytar' }))).toBe('from-keytar');
      expect(await getPassword(service, 'dave', on({ profile: 'python-keyring' }))).toBe('from-python');
      expect(await getPassword(service, 'nobody', on())).toBeNull();
      expect(await getPassword(uniqueService(), 'dave', on())).toBeNull();
    },
  );

  it('getCredential and findCredentials return one credential per user, in user-name order', async () => {
    const service = uniqueService();
    await setPassword(service, 'zoe', 'pz', on({ profile: 'keytar' }));
    await setPassword(service, 'adam', 'pa', on());
    await setPassword(service, 'adam', 'pa-rs', on({ profile: 'keyring-rs' }));
    expect(await findCredentials(service, on())).toEqual([
      { username: 'adam', password: 'pa-rs' },
      { username: 'zoe', password: 'pz' },
    ]);
    expect(await getCredential(service, 'zoe', on())).toEqual({ username: 'zoe', password: 'pz' });
    expect(await getCredential(service, undefined, on({ profile: 'keytar' }))).toEqual({
      username: 'zoe',
      password: 'pz',
    });
    expect(await getCredential(service, null, on())).toMatchObject({ username: 'adam' });
    expect(await findCredentials(uniqueService(), on())).toEqual([]);
    expect(await getCredential(uniqueService(), undefined, on())).toBeNull();
  });

  it('deletePassword removes every tool’s item for the user, then reports false', async () => {
    const service = uniqueService();
    await setPassword(service, 'erin', 'a', on({ profile: 'keytar' }));
    await setPassword(service, 'erin', 'b', on({ profile: 'python-keyring' }));
    await setPassword(service, 'frank', 'c', on());
    expect(await deletePassword(service, 'erin', on())).toBe(true);
    expect(await getPassword(service, 'erin', on())).toBeNull();
    expect(await deletePassword(service, 'erin', on())).toBe(false);
    expect(await getPassword(service, 'frank', on())).toBe('c');
  });

  it('leaves another application’s `account` item alone (another xdg:schema), as keytar does; `username` ones are read, as Python keyring does', async () => {
    const service = uniqueService();
    const login = getDefaultCollection(k.conn);
    const foreign = await login.createItem(
      'other app',
      { service, account: 'erin', 'xdg:schema': 'org.example.OtherApp' },
      'other-app-secret',
    );
    for (const profile of ['python-keyring', 'keytar', 'keyring-rs'] as const) {
      expect(await getPassword(service, 'erin', on({ profile }))).toBeNull();
      expect(await findCredentials(service, on({ profile }))).toEqual([]);
      expect(await deletePassword(service, 'erin', on({ profile }))).toBe(false);
    }
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    try {
      expect(await keytar.getPassword(service, 'erin')).toBeNull();
      expect(await keytar.findCredentials(service)).toEqual([]);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
    expect((await itemsOf(service)).map((item) => item.itemPath)).toEqual([foreign.itemPath]);
    // Python clients are run on Unix-socket buses only (the suite also runs over TCP with cookie authentication).
    if (!externalBusAddress) {
      expect(await python(k.address, [{ tool: 'libsecret', op: 'get', service, user: 'erin' }])).toEqual([null]);
    }
    // The keyring family reads `service` + `username` whatever the schema: Python keyring returns this one.
    await login.createItem('other app', { service, username: 'fay', 'xdg:schema': 'org.example.OtherApp' }, 'fays');
    if (!externalBusAddress) {
      expect(await python(k.address, [{ tool: 'keyring', op: 'get', service, user: 'fay' }])).toEqual(['fays']);
    }
    expect(await getPassword(service, 'fay', on())).toBe('fays');
    await foreign.delete();
  });

  it('a user name may be empty, as Python keyring stores it: read, listed and deleted', async () => {
    const service = uniqueService();
    if (externalBusAddress)
      await setPassword(service, '', 'nameless', on()); // Python keyring's very attributes
    else await python(k.address, [{ tool: 'keyring', op: 'set', service, user: '', password: 'nameless' }]);
    expect(await getPassword(service, '', on())).toBe('nameless');
    expect(await findCredentials(service, on())).toEqual([{ username: '', password: 'nameless' }]);
    await setPassword(service, '', 'renamed', on());
    if (!externalBusAddress) {
      expect(await python(k.address, [{ tool: 'keyring', op: 'get', service, user: '' }])).toEqual(['renamed']);
    }
    expect(await deletePassword(service, '', on())).toBe(true);
    expect(await itemsOf(service)).toEqual([]);
  });

  it.skipIf(!!skipOn({ kwallet: 'item paths are not numbered', keepassxc: 'item paths are not numbered' }))(
    'of copies modified in the same second, the later one is read (…/10 after …/9)',
    async () => {
      const service = uniqueService();
      const attributes = { username: 'gus', service, application: 'Python keyring library' };
      const login = getDefaultCollection(k.conn);
      const items = [];
      // Enough copies to cross a power of ten in the item numbers, in a second or two.
      for (let i = 0; i < 12; i++) items.push(await login.createItem('copy', attributes, `copy ${i}`));
      const modified = await Promise.all(items.map((item) => item.getModified()));
      const newest = Math.max(...modified);
      const numberOf = (path: string) => Number(path.slice(path.lastIndexOf('/') + 1));
      const expected = items
        .filter((_, i) => modified[i] === newest)
        .reduce((a, b) => (numberOf(a.itemPath) > numberOf(b.itemPath) ? a : b));
      expect(await getPassword(service, 'gus', on())).toBe(`copy ${items.indexOf(expected)}`);
      await Promise.all(items.map((item) => item.delete()));
    },
  );

  it.skipIf(!!skipOn({ kwallet: 'one collection only', keepassxc: 'one collection only' }))(
    'the collection option: writes go there, reads and deletes look only there',
    async () => {
      const service = uniqueService();
      const session = '/org/freedesktop/secrets/collection/session';
      const stored = await storePassword(service, 'gina', 'in-session', on({ collection: session }));
      expect(stored.itemPath.startsWith(`${session}/`)).toBe(true);
      expect(await getPassword(service, 'gina', on({ collection: 'default' }))).toBeNull();
      expect(await getPassword(service, 'gina', on({ collection: session }))).toBe('in-session');
      expect(await getPassword(service, 'gina', on())).toBe('in-session');
      await setPassword(service, 'gina', 'in-login', on({ collection: 'default' }));
      expect(await deletePassword(service, 'gina', on({ collection: session }))).toBe(true);
      expect(await getPassword(service, 'gina', on())).toBe('in-login');
      await expect(getPassword(service, 'gina', on({ collection: 'no-such-alias' }))).rejects.toBeInstanceOf(
        ItemNotFoundException,
      );
    },
  );

  it.skipIf(noPasswordCollections)(
    'a locked collection fails with LockedException saying why and how, never with null (gnome-keyring dismisses the prompt headless)',
    async () => {
      const service = uniqueService();
      const vault = await lockedCollection('Vault');
      await vault.createItem('locked', { service, username: 'hank' }, 'hidden');
      await vault.lock();
      const vaultPath = await vault.getPath();
      for (const attempt of [
        () => getPassword(service, 'hank', on()),
        () => findCredentials(service, on()),
        () => getCredential(service, undefined, on()),
        () => setPassword(service, 'hank', 'new', on({ profile: 'keyring-rs' })),
        () => setPassword(uniqueService(), 'hank', 'new', on({ collection: vaultPath })),
        () => deletePassword(service, 'hank', on()),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(LockedException);
        const message = (error as Error).message;
        expect(message).toContain(`"Vault" (${vaultPath})`);
        expect(message).toMatch(/prompt was dismissed/);
        if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) expect(message).toMatch(/no graphical session/);
        expect(message).toContain(`secretstorage unlock --collection ${vaultPath} --with-password`);
        expect((error as Error).cause).toBeInstanceOf(PromptDismissedException);
      }
      await vault.unlock({ password: 'collection-password' });
      expect(await getPassword(service, 'hank', on())).toBe('hidden');
    },
  );

  it.skipIf(noPasswordCollections)(
    'a delete that needs a locked collection deletes nothing when it stays locked',
    async () => {
      const service = uniqueService();
      await setPassword(service, 'hank', 'unlocked copy', on());
      const vault = await lockedCollection('Vault');
      await vault.createItem('locked', { service, username: 'hank' }, 'locked copy');
      await vault.lock();
      const error = await deletePassword(service, 'hank', on()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockedException);
      expect((error as Error).message).toMatch(/Nothing was deleted\.$/);
      expect(await getPassword(service, 'hank', on())).toBe('unlocked copy');
      await vault.unlock({ password: 'collection-password' });
      expect(await deletePassword(service, 'hank', on())).toBe(true);
      expect(await itemsOf(service)).toEqual([]);
    },
  );

  it('opens its own connection from an address or an environment, and closes it', async () => {
    const service = uniqueService();
    await setPassword(service, 'ivy', 'via-address', { address: k.address });
    expect(await getPassword(service, 'ivy', { env: { DBUS_SESSION_BUS_ADDRESS: k.address } })).toBe('via-address');
  });

  it('without a bus address: NoBackendError that says how to get a bus', async () => {
    const error = await getPassword('svc', 'user', { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoBackendError);
    expect((error as Error).message).toMatch(/dbus-run-session/);
  });

  it('with no Secret Service on the bus: NoBackendError', async () => {
    const bare = await startPrivateBus();
    try {
      await expect(getPassword('svc', 'user', { address: bare.address })).rejects.toBeInstanceOf(NoBackendError);
      await expect(setPassword('svc', 'user', 'pw', { address: bare.address })).rejects.toBeInstanceOf(NoBackendError);
    } finally {
      await bare.stop();
    }
  });

  it('refuses bad arguments and options with InvalidArgumentError before anything is sent', async () => {
    const noBus = { env: {} };
    await expect(getPassword('', 'u', noBus)).rejects.toMatchObject({ argument: 'service' });
    await expect(getPassword('s', 42 as never, noBus)).rejects.toMatchObject({ argument: 'username' });
    await expect(getPassword('s\0x', 'u', noBus)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(setPassword('s', 'u', undefined as never, noBus)).rejects.toMatchObject({ argument: 'password' });
    await expect(setPassword('s', 'u', 'lone \ud800', noBus)).rejects.toMatchObject({ argument: 'password' });
    await expect(getPassword('s', 'u', { ...noBus, profile: 'keychain' as never })).rejects.toMatchObject({
      argument: 'profile',
    });
    await expect(getPassword('s', 'u', { ...noBus, timeoutMs: -1 })).rejects.toMatchObject({ argument: 'timeoutMs' });
    await expect(getPassword('s', 'u', { ...noBus, collection: '' })).rejects.toMatchObject({ argument: 'collection' });
  });

  it('a secret that is not UTF-8 is refused as a password with a typed error', async () => {
    const service = uniqueService();
    await getDefaultCollection(k.conn).createItem('binary', { service, username: 'jo' }, Buffer.from([0xff, 0xfe]));
    const error = await getPassword(service, 'jo', on()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretStorageError);
    expect((error as Error).message).toMatch(/not UTF-8 text.*Item.getSecret\(\).*--show-secrets --json/);
  });

  it('passwords never appear in errors, inspection or results’ metadata', async () => {
    const password = 'NEVER-PRINT-ME-42';
    const service = uniqueService();
    const result = await storePassword(service, 'kim', password, on());
    expect(JSON.stringify(result) + inspect(result)).not.toContain(password);
    const error = await setPassword(service, 'kim', password, { ...on(), collection: 'no-such-alias' }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(ItemNotFoundException);
    expect(`${error.message}\n${error.stack}\n${inspect(error)}`).not.toContain(password);
  });
});

describe('the password API with prompts gnome-keyring cannot show headless (mock service)', () => {
  const m = useMock(LOCKED_VAULT);
  const on = (extra: KeyringOptions = {}): KeyringOptions => ({ connection: m.conn, ...extra });

  it('stores each profile’s password with its tool’s content type (gnome-keyring reports text/plain for every item)', async () => {
    for (const [profile, contentType] of [
      ['python-keyring', 'text/plain'],
      ['keytar', 'text/plain'],
      ['keyring-rs', 'application/octet-stream'],
    ] as const) {
      const service = `content-type-${profile}`;
      const created = await storePassword(service, 'u', 'first', on({ profile }));
      const updated = await storePassword(service, 'u', 'second', on({ profile }));
      expect(updated).toMatchObject({ action: 'updated', itemPath: created.itemPath });
      const item = new Item(m.conn, created.itemPath);
      expect(await item.getSecretContentType()).toBe(contentType);
      expect(await getPassword(service, 'u', on({ profile }))).toBe('second');
    }
  });

  it('unlocks a locked collection through its prompt, then reads', async () => {
    expect(await getPassword('mocked', 'u', on())).toBe('in vault');
    expect(m.mock.callCount('Prompt')).toBe(1);
  });

  it('a prompt nobody answers ends with TimeoutException at timeoutMs, and is dismissed', async () => {
    m.mock.scenario.prompts = 'never';
    const error = await getPassword('mocked', 'u', on({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutException);
    expect((error as Error).message).toMatch(/"Vault".*not answered in time \(a prompt it had opened was dismissed\)/);
    expect(m.mock.pendingPrompts()).toEqual([]);
    expect(m.mock.callCount('Dismiss')).toBe(1);
  });

  it('timeoutMs, not the connection’s call timeout, bounds an Unlock that blocks (as KeePassXC’s does)', async () => {
    const conn = await m.connect({ callTimeoutMs: 100 });
    m.mock.hooks.onCall = (message) => (message.member === 'Unlock' ? 'drop' : 'pass');
    const started = performance.now();
    const error = await getPassword('mocked', 'u', { connection: conn, timeoutMs: 800 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutException);
    expect((error as Error).message).toMatch(/within 800 ms/);
    // Not the 100 ms call timeout: a generous bound, not a timing measurement.
    expect(performance.now() - started).toBeGreaterThan(700);
  });

  it('aborting the signal rejects with its reason and dismisses the prompt', async () => {
    m.mock.scenario.prompts = 'never';
    const controller = new AbortController();
    const pending = getPassword('mocked', 'u', on({ signal: controller.signal }));
    while (m.mock.pendingPrompts().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    // The rejection comes at the abort; the Dismiss it sends reaches the service a moment later.
    await expect.poll(() => m.mock.pendingPrompts()).toEqual([]);
    await expect(getPassword('mocked', 'u', on({ signal: controller.signal }))).rejects.toThrow('user gave up');
  });

  it('a dismissed prompt is a LockedException', async () => {
    m.mock.scenario.prompts = 'dismiss';
    await expect(getPassword('mocked', 'u', on())).rejects.toBeInstanceOf(LockedException);
  });

  it('with no default collection, a write creates one through a prompt, or says why it could not', async () => {
    m.mock.scenario.prompts = 'dismiss';
    await setAlias(m.conn, 'default', null);
    const error = await setPassword('new-svc', 'u', 'pw', on()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptDismissedException);
    expect((error as Error).message).toMatch(/no default collection.*gnome-keyring-daemon --unlock/s);
    m.mock.scenario.prompts = 'complete';
    await setPassword('new-svc', 'u', 'pw', on());
    const created = m.mock.collections().find((c) => c.aliases.includes('default'));
    expect(created?.label).toBe('Default keyring');
    expect(created?.items.map((item) => item.attributes.service)).toEqual(['new-svc']);
  });
});

describe('the password API asks the service only what it needs (mock service, counting calls)', () => {
  const m = useMock({
    collections: [
      {
        id: 'login',
        label: 'Login',
        aliases: ['default'],
        items: [
          { label: 'one', attributes: { service: 'one', username: 'u' }, secret: 'only' },
          { label: 'kt', attributes: { service: 'kt', account: 'u', 'xdg:schema': GENERIC }, secret: 'keytar' },
          // Found by `account`, but its own `username` says it belongs to someone else.
          { label: 'mixed', attributes: { service: 'mixed', account: 'bob', username: 'alice' }, secret: 'alice’s' },
        ],
      },
    ],
  });
  const on = (extra: KeyringOptions = {}): KeyringOptions => ({ connection: m.conn, ...extra });
  const counts = (...members: string[]) => Object.fromEntries(members.map((name) => [name, m.mock.callCount(name)]));
  const MEMBERS = ['SearchItems', 'GetSecrets', 'GetSecret', 'SetSecret', 'Get', 'ReadAlias', 'CreateItem', 'Delete'];

  it('a read of the profile’s one own item: one search, then the secret; nothing else', async () => {
    await m.conn.session();
    for (const [service, profile] of [
      ['one', 'python-keyring'],
      ['one', 'keyring-rs'],
      ['kt', 'keytar'],
    ] as const) {
      m.mock.resetCalls();
      expect(await getPassword(service, 'u', on({ profile }))).toBe(service === 'kt' ? 'keytar' : 'only');
      expect(counts(...MEMBERS)).toEqual({
        SearchItems: 1,
        GetSecrets: 1,
        GetSecret: 0,
        SetSecret: 0,
        Get: 0,
        ReadAlias: 0,
        CreateItem: 0,
        Delete: 0,
      });
    }
  });

  it('without an own item, other tools’ items are searched for, checked, and refused when they name another user', async () => {
    await m.conn.session();
    m.mock.resetCalls();
    expect(await getPassword('mixed', 'bob', on())).toBeNull();
    expect(counts('SearchItems', 'Get', 'GetSecrets')).toEqual({ SearchItems: 3, Get: 1, GetSecrets: 0 });
    expect(await getPassword('kt', 'u', on())).toBe('keytar');
    expect(await getPassword('absent', 'u', on())).toBeNull();
  });

  it('an update of one own item: its search and the default alias at once, then SetSecret', async () => {
    await m.conn.session();
    m.mock.resetCalls();
    expect(await storePassword('one', 'u', 'updated', on())).toMatchObject({ action: 'updated', updated: 1 });
    expect(counts(...MEMBERS)).toEqual({
      SearchItems: 1,
      GetSecrets: 0,
      GetSecret: 0,
      SetSecret: 1,
      Get: 0,
      ReadAlias: 1,
      CreateItem: 0,
      Delete: 0,
    });
    expect(await getPassword('one', 'u', on())).toBe('updated');
    m.mock.resetCalls();
    expect(await storePassword('kt', 'u', 'updated', on({ profile: 'keytar' }))).toMatchObject({ action: 'updated' });
    expect(counts('SearchItems', 'Get', 'SetSecret')).toEqual({ SearchItems: 1, Get: 0, SetSecret: 1 });
  });

  it('a new item: the search and the default alias at once, then CreateItem', async () => {
    await m.conn.session();
    m.mock.resetCalls();
    expect(await storePassword('fresh', 'u', 'new', on())).toMatchObject({ action: 'created' });
    expect(counts(...MEMBERS)).toEqual({
      SearchItems: 1,
      GetSecrets: 0,
      GetSecret: 0,
      SetSecret: 0,
      Get: 0,
      ReadAlias: 1,
      CreateItem: 1,
      Delete: 0,
    });
  });

  it('a delete of items found by the user attribute reads nothing about them first', async () => {
    await setPassword('gone', 'u', 'x', on());
    m.mock.resetCalls();
    expect(await deletePassword('gone', 'u', on())).toBe(true);
    expect(counts('SearchItems', 'Get', 'Delete')).toEqual({ SearchItems: 2, Get: 0, Delete: 1 });
    expect(await deletePassword('mixed', 'bob', on())).toBe(false);
  });

  it('an item deleted between the search and the read or write: null, or a new item', async () => {
    // As gnome-keyring does for an item that is gone: GetSecrets leaves it out, GetSecret says NoSuchObject.
    m.mock.hooks.onCall = (message) =>
      message.member === 'GetSecrets'
        ? { signature: 'a{o(oayays)}', body: [{}] }
        : message.member === 'GetSecret' || message.member === 'SetSecret'
          ? { errorName: 'org.freedesktop.Secret.Error.NoSuchObject', text: 'gone' }
          : 'pass';
    expect(await getPassword('one', 'u', on())).toBeNull();
    m.mock.hooks.onCall = (message) =>
      message.member === 'SetSecret'
        ? { errorName: 'org.freedesktop.Secret.Error.NoSuchObject', text: 'gone' }
        : 'pass';
    expect(await storePassword('one', 'u', 'again', on())).toMatchObject({ action: 'created' });
  });
});

/**
 * The mock Secret Service, driven with raw D-Bus calls on a private bus: what it answers must be what the spec and
 * the real servers answer, since the library's own tests trust it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '../../src/crypto/aes-cbc.js';
import { bigIntToBytes } from '../../src/crypto/bytes.js';
import { generateKeyPair } from '../../src/crypto/dh.js';
import { deriveSessionKey } from '../../src/crypto/session-key.js';
import { variant } from '../../src/dbus/codec.js';
import { DBusConnection, type Reply } from '../../src/dbus/connection.js';
import type { DBusVariant, IncomingMessage } from '../../src/dbus/message.js';
import { ProtocolError, TimeoutException } from '../../src/errors.js';
import {
  startMockSecretService,
  type MockSecretService,
  type MockSecretServiceOptions,
} from '../../src/testing/mock-service.js';
import { startPrivateBus, type PrivateBus } from '../../src/testing/private-bus.js';
import { loadNodeCrypto } from '../../src/crypto/node-crypto.js';

await loadNodeCrypto(); // as the first session would (src/session.ts)

const SERVICE = '/org/freedesktop/secrets';
const LOGIN = `${SERVICE}/collection/login`;
const DEFAULT_ALIAS = `${SERVICE}/aliases/default`;
const DH = 'dh-ietf1024-sha256-aes128-cbc-pkcs7';
const IFACE = {
  service: 'org.freedesktop.Secret.Service',
  collection: 'org.freedesktop.Secret.Collection',
  item: 'org.freedesktop.Secret.Item',
  prompt: 'org.freedesktop.Secret.Prompt',
  session: 'org.freedesktop.Secret.Session',
  properties: 'org.freedesktop.DBus.Properties',
  gnome: 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface',
};
const ERR = {
  isLocked: 'org.freedesktop.Secret.Error.IsLocked',
  noSession: 'org.freedesktop.Secret.Error.NoSession',
  notSupported: 'org.freedesktop.DBus.Error.NotSupported',
  invalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  unknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  unknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  denied: 'org.gnome.keyring.Error.Denied',
};

type SecretStruct = [string, Buffer, Buffer, string];

let bus: PrivateBus;
let client: DBusConnection;
const running: MockSecretService[] = [];
const extraConnections: DBusConnection[] = [];

beforeAll(async () => {
  bus = await startPrivateBus();
  client = await DBusConnection.open(bus.address);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((mock) => mock.stop()));
  await Promise.all(extraConnections.splice(0).map((connection) => connection.close()));
  // The next test claims org.freedesktop.secrets again: wait until the bus has seen the old owner go.
  await waitFor(async () => !(await busCall('NameHasOwner', 's', ['org.freedesktop.secrets'])).body[0]);
});

afterAll(async () => {
  await client?.close();
  await bus?.stop();
});

async function start(options: Omit<MockSecretServiceOptions, 'address'> = {}): Promise<MockSecretService> {
  const mock = await startMockSecretService({ address: bus.address, ...options });
  running.push(mock);
  return mock;
}

async function connect(): Promise<DBusConnection> {
  const connection = await DBusConnection.open(bus.address);
  extraConnections.push(connection);
  return connection;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function busCall(member: string, signature: string, body: unknown[]): Promise<Reply> {
  const dbus = 'org.freedesktop.DBus';
  return client.call({ destination: dbus, path: '/org/freedesktop/DBus', interface: dbus, member, signature, body });
}

/** Calls the mock; `through` picks another client connection. */
function call(
  mock: MockSecretService,
  path: string,
  iface: string,
  member: string,
  signature = '',
  body: unknown[] = [],
  through: DBusConnection = client,
): Promise<Reply> {
  return through.call(
    { destination: mock.busName, path, interface: iface, member, signature, body },
    { timeoutMs: 5000 },
  );
}

async function getProperty(mock: MockSecretService, path: string, iface: string, name: string): Promise<unknown> {
  const reply = await call(mock, path, IFACE.properties, 'Get', 'ss', [iface, name]);
  return (reply.body[0] as DBusVariant).value;
}

async function openPlain(mock: MockSecretService, through = client): Promise<string> {
  const reply = await call(mock, SERVICE, IFACE.service, 'OpenSession', 'sv', ['plain', variant('s', '')], through);
  return reply.body[1] as string;
}

async function openDh(mock: MockSecretService): Promise<{ session: string; key: Uint8Array; serverKey: Buffer }> {
  const pair = generateKeyPair();
  const reply = await call(mock, SERVICE, IFACE.service, 'OpenSession', 'sv', [
    DH,
    variant('ay', Buffer.from(pair.publicKey)),
  ]);
  const serverKey = (reply.body[0] as DBusVariant<Buffer>).value;
  return { session: reply.body[1] as string, key: deriveSessionKey(pair.privateKey, serverKey), serverKey };
}

function plainSecret(session: string, text: string, contentType = 'text/plain'): SecretStruct {
  return [session, Buffer.alloc(0), Buffer.from(text), contentType];
}

function dhSecret(session: string, key: Uint8Array, text: string): SecretStruct {
  const { iv, ciphertext } = encryptSecret(key, Buffer.from(text));
  return [session, Buffer.from(iv), Buffer.from(ciphertext), 'text/plain'];
}

function itemProperties(label: string, attributes: Record<string, string>): Record<string, DBusVariant> {
  return {
    'org.freedesktop.Secret.Item.Label': variant('s', label),
    'org.freedesktop.Secret.Item.Attributes': variant('a{ss}', attributes),
  };
}

/** CreateItem; returns `[item, prompt]`. */
async function createItem(
  mock: MockSecretService,
  collection: string,
  secret: SecretStruct,
  attributes: Record<string, string>,
  { label = 'an item', replace = false } = {},
): Promise<[string, string]> {
  const reply = await call(mock, collection, IFACE.collection, 'CreateItem', 'a{sv}(oayays)b', [
    itemProperties(label, attributes),
    secret,
    replace,
  ]);
  return reply.body as [string, string];
}

/** Resolves with the next signal `connection` receives that satisfies `matches`. */
function nextSignal(
  connection: DBusConnection,
  sender: string,
  matches: (signal: IncomingMessage) => boolean,
  timeoutMs = 5000,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no matching signal'));
    }, timeoutMs);
    const stop = connection.onSignal({ sender }, (signal) => {
      if (!matches(signal)) return;
      clearTimeout(timer);
      stop();
      resolve(signal);
    });
  });
}

const completedOf = (prompt: string) => (signal: IncomingMessage) =>
  signal.path === prompt && signal.interface === IFACE.prompt && signal.member === 'Completed';

/** Calls `Prompt("")` and waits for `Completed`; resolves with its (dismissed, result). */
async function runPrompt(
  mock: MockSecretService,
  prompt: string,
): Promise<{ dismissed: boolean; result: DBusVariant }> {
  const completed = nextSignal(client, mock.uniqueName, completedOf(prompt));
  await call(mock, prompt, IFACE.prompt, 'Prompt', 's', ['']);
  const signal = await completed;
  return { dismissed: signal.body[0] as boolean, result: signal.body[1] as DBusVariant };
}

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

describe('sessions and secret transfer', () => {
  it('round-trips a secret through CreateItem and GetSecret over a plain session, content type kept', async () => {
    const mock = await start();
    const session = await openPlain(mock);
    const [item, prompt] = await createItem(mock, LOGIN, plainSecret(session, 'hunter2', 'application/x-test'), {
      app: 'mock-test',
    });
    expect(prompt).toBe('/');
    expect(item).toBe(`${LOGIN}/1`);
    expect(mock.item(item)).toMatchObject({ label: 'an item', attributes: { app: 'mock-test' }, locked: false });
    expect(text(mock.item(item)?.secret)).toBe('hunter2');

    const reply = await call(mock, item, IFACE.item, 'GetSecret', 'o', [session]);
    expect(reply.signature).toBe('(oayays)');
    const [secretSession, parameters, value, contentType] = reply.body[0] as SecretStruct;
    expect([secretSession, parameters.length, value.toString(), contentType]).toEqual([
      session,
      0,
      'hunter2',
      'application/x-test',
    ]);
  });

  it('round-trips a secret over a DH session, encrypted both ways and decrypted with src/crypto', async () => {
    const mock = await start();
    const { session, key, serverKey } = await openDh(mock);
    expect(serverKey).toHaveLength(128);
    const [item] = await createItem(mock, LOGIN, dhSecret(session, key, 'correct horse'), { app: 'dh' });
    expect(text(mock.item(item)?.secret)).toBe('correct horse');

    const [, iv, ciphertext] = (await call(mock, item, IFACE.item, 'GetSecret', 'o', [session]))
      .body[0] as SecretStruct;
    expect(iv).toHaveLength(16);
    expect(text(decryptSecret(key, iv, ciphertext))).toBe('correct horse');

    const secrets = (await call(mock, SERVICE, IFACE.service, 'GetSecrets', 'aoo', [[item], session]))
      .body[0] as Record<string, SecretStruct>;
    expect(text(decryptSecret(key, secrets[item][1], secrets[item][2]))).toBe('correct horse');
  });

  it('sends the server key without leading zeros with unpaddedServerKey, and the client still agrees on the key', async () => {
    // Private exponent 1000: the public key 2^1000 is 126 bytes long, so its 128-byte form starts with two zeros.
    const randomBytes = (length: number) =>
      length === 128 ? bigIntToBytes(1000n, 128) : Uint8Array.from(Buffer.alloc(length, 7));
    const padded = await start({ randomBytes });
    expect([...(await openDh(padded)).serverKey.subarray(0, 3)]).toEqual([0, 0, 1]);
    await padded.stop();

    const mock = await start({ randomBytes, unpaddedServerKey: true });
    const { session, key, serverKey } = await openDh(mock);
    expect(serverKey).toHaveLength(126);
    const [item] = await createItem(mock, LOGIN, dhSecret(session, key, 'short key'), { app: 'unpadded' });
    const [, iv, ciphertext] = (await call(mock, item, IFACE.item, 'GetSecret', 'o', [session]))
      .body[0] as SecretStruct;
    expect(text(decryptSecret(key, iv, ciphertext))).toBe('short key');
  });

  it('answers NotSupported for an unknown algorithm and for DH on a plain-only service', async () => {
    const mock = await start({ algorithms: ['plain'] });
    await expect(
      call(mock, SERVICE, IFACE.service, 'OpenSession', 'sv', ['rot13', variant('s', '')]),
    ).rejects.toMatchObject({ errorName: ERR.notSupported });
    await expect(openDh(mock)).rejects.toMatchObject({ errorName: ERR.notSupported });
    expect(await openPlain(mock)).toMatch(/^\/org\/freedesktop\/secrets\/session\/\d+$/);
  });

  it('answers InvalidArgs for an input variant of the wrong type', async () => {
    const mock = await start();
    await expect(
      call(mock, SERVICE, IFACE.service, 'OpenSession', 'sv', ['plain', variant('ay', Buffer.alloc(0))]),
    ).rejects.toMatchObject({ errorName: ERR.invalidArgs });
    await expect(
      call(mock, SERVICE, IFACE.service, 'OpenSession', 'sv', [DH, variant('s', 'not a key')]),
    ).rejects.toMatchObject({ errorName: ERR.invalidArgs });
  });

  it('refuses unknown sessions and sessions of another connection with NoSession', async () => {
    const mock = await start({ collections: [{ id: 'login', label: 'Login', items: [{ secret: 's' }] }] });
    const other = await connect();
    const foreign = await openPlain(mock, other);
    for (const session of [`${SERVICE}/session/999`, foreign]) {
      await expect(call(mock, `${LOGIN}/1`, IFACE.item, 'GetSecret', 'o', [session])).rejects.toMatchObject({
        errorName: ERR.noSession,
      });
    }
  });

  it('lists open sessions and drops them on Close or when their connection leaves the bus', async () => {
    const mock = await start();
    const mine = await openPlain(mock);
    const other = await connect();
    await openPlain(mock, other);
    expect(mock.sessions().map((session) => session.owner)).toEqual([client.uniqueName, other.uniqueName]);
    await other.close();
    await waitFor(() => mock.sessions().length === 1);
    await call(mock, mine, IFACE.session, 'Close');
    expect(mock.sessions()).toEqual([]);
  });
});

describe('items and search', () => {
  const fixture = {
    collections: [
      {
        id: 'login',
        label: 'Login',
        aliases: ['default'],
        items: [
          { label: 'one', attributes: { app: 'a', user: 'x' }, secret: '1' },
          { label: 'two', attributes: { app: 'a', user: 'y' }, secret: '2' },
        ],
      },
      { id: 'vault', label: 'Vault', locked: true, items: [{ label: 'three', attributes: { app: 'a' }, secret: '3' }] },
    ],
  };

  it('SearchItems matches subsets and splits (unlocked, locked)', async () => {
    const mock = await start(fixture);
    const search = async (query: Record<string, string>) =>
      (await call(mock, SERVICE, IFACE.service, 'SearchItems', 'a{ss}', [query])).body;
    expect(await search({ app: 'a' })).toEqual([[`${LOGIN}/1`, `${LOGIN}/2`], [`${SERVICE}/collection/vault/1`]]);
    expect(await search({ app: 'a', user: 'y' })).toEqual([[`${LOGIN}/2`], []]);
    expect(await search({ app: 'b' })).toEqual([[], []]);
    const inCollection = await call(mock, LOGIN, IFACE.collection, 'SearchItems', 'a{ss}', [{ user: 'x' }]);
    expect(inCollection.body).toEqual([[`${LOGIN}/1`]]);
  });

  it('CreateItem with replace updates the first subset match in place', async () => {
    const mock = await start(fixture);
    const session = await openPlain(mock);
    const [item] = await createItem(
      mock,
      LOGIN,
      plainSecret(session, 'new'),
      { app: 'a', user: 'y' },
      {
        label: 'renamed',
        replace: true,
      },
    );
    expect(item).toBe(`${LOGIN}/2`);
    expect(mock.item(item)).toMatchObject({ label: 'renamed', attributes: { app: 'a', user: 'y' } });
    expect(text(mock.item(item)?.secret)).toBe('new');
    expect(mock.collection(LOGIN)?.items).toHaveLength(2);

    const [added] = await createItem(mock, LOGIN, plainSecret(session, 'another'), { app: 'a', user: 'y' });
    expect(added).toBe(`${LOGIN}/3`);
  });

  it('answers IsLocked for CreateItem in, and GetSecret from, a locked collection', async () => {
    const mock = await start(fixture);
    const session = await openPlain(mock);
    const vault = `${SERVICE}/collection/vault`;
    await expect(createItem(mock, vault, plainSecret(session, 'x'), {})).rejects.toMatchObject({
      errorName: ERR.isLocked,
    });
    await expect(call(mock, `${vault}/1`, IFACE.item, 'GetSecret', 'o', [session])).rejects.toMatchObject({
      errorName: ERR.isLocked,
    });
  });

  it('GetSecrets skips locked items, or fails with IsLocked under getSecretsFailsOnLocked', async () => {
    const mock = await start(fixture);
    const session = await openPlain(mock);
    const paths = [`${LOGIN}/1`, `${SERVICE}/collection/vault/1`, `${LOGIN}/99`];
    const reply = await call(mock, SERVICE, IFACE.service, 'GetSecrets', 'aoo', [paths, session]);
    expect(Object.keys(reply.body[0] as object)).toEqual([`${LOGIN}/1`]);

    mock.scenario.getSecretsFailsOnLocked = true;
    await expect(call(mock, SERVICE, IFACE.service, 'GetSecrets', 'aoo', [paths, session])).rejects.toMatchObject({
      errorName: ERR.isLocked,
    });
  });

  it('sets secrets, labels and attributes, and deletes items with ItemChanged/ItemDeleted signals', async () => {
    const mock = await start(fixture);
    const session = await openPlain(mock);
    const item = `${LOGIN}/1`;
    const rule = `type='signal',interface='${IFACE.collection}'`;
    await client.addMatch(rule);
    try {
      const changed = nextSignal(client, mock.uniqueName, (signal) => signal.member === 'ItemChanged');
      await call(mock, item, IFACE.item, 'SetSecret', '(oayays)', [plainSecret(session, 'changed', 'text/x-new')]);
      expect((await changed).body).toEqual([item]);
      expect(mock.item(item)).toMatchObject({ contentType: 'text/x-new' });
      expect(text(mock.item(item)?.secret)).toBe('changed');

      await call(mock, item, IFACE.properties, 'Set', 'ssv', [IFACE.item, 'Label', variant('s', 'relabelled')]);
      await call(mock, item, IFACE.properties, 'Set', 'ssv', [IFACE.item, 'Attributes', variant('a{ss}', { k: 'v' })]);
      expect(mock.item(item)).toMatchObject({ label: 'relabelled', attributes: { k: 'v' } });

      const deleted = nextSignal(client, mock.uniqueName, (signal) => signal.member === 'ItemDeleted');
      expect((await call(mock, item, IFACE.item, 'Delete')).body).toEqual(['/']);
      expect((await deleted).path).toBe(LOGIN);
      expect(mock.item(item)).toBeUndefined();
    } finally {
      await client.removeMatch(rule);
    }
  });
});

describe('prompts', () => {
  const lockedFixture = {
    collections: [
      { id: 'login', label: 'Login', aliases: ['default'] },
      { id: 'vault', label: 'Vault', locked: true },
    ],
  };
  const vault = `${SERVICE}/collection/vault`;

  it('Unlock answers at once for unlocked objects and with a prompt for locked ones, whose result is v(ao)', async () => {
    const mock = await start(lockedFixture);
    const reply = await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[LOGIN, vault]]);
    const [unlocked, prompt] = reply.body as [string[], string];
    expect(unlocked).toEqual([LOGIN]);
    expect(prompt).toMatch(/^\/org\/freedesktop\/secrets\/prompt\/\d+$/);
    expect(mock.collection(vault)?.locked).toBe(true);

    const { dismissed, result } = await runPrompt(mock, prompt);
    expect(dismissed).toBe(false);
    expect(result.signature).toBe('ao');
    expect(result.value).toEqual([vault]);
    expect(mock.collection(vault)?.locked).toBe(false);
    expect(mock.pendingPrompts()).toEqual([]);

    const again = await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]]);
    expect(again.body).toEqual([[vault], '/']);
  });

  it('a dismissing prompt completes with (true, v(s "")) and changes nothing', async () => {
    const mock = await start({ ...lockedFixture, prompts: 'dismiss' });
    const [, prompt] = (await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]])).body as [string[], string];
    const { dismissed, result } = await runPrompt(mock, prompt);
    expect(dismissed).toBe(true);
    expect([result.signature, result.value]).toEqual(['s', '']);
    expect(mock.collection(vault)?.locked).toBe(true);
  });

  it('a never-completing prompt waits until Dismiss; Dismiss on a completed prompt is UnknownObject', async () => {
    const mock = await start({ ...lockedFixture, prompts: 'never' });
    const [, prompt] = (await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]])).body as [string[], string];
    const completed = nextSignal(client, mock.uniqueName, completedOf(prompt));
    await call(mock, prompt, IFACE.prompt, 'Prompt', 's', ['']);
    const early = await Promise.race([completed.then(() => 'completed'), sleep(200).then(() => 'waiting')]);
    expect(early).toBe('waiting');
    expect(mock.pendingPrompts()).toEqual([prompt]);

    await call(mock, prompt, IFACE.prompt, 'Dismiss');
    const signal = await completed;
    expect(signal.body[0]).toBe(true);
    expect(mock.collection(vault)?.locked).toBe(true);
    // Once Completed has fired the prompt object is gone (spec ch. 9): a late Dismiss finds nothing.
    await expect(call(mock, prompt, IFACE.prompt, 'Dismiss')).rejects.toMatchObject({
      errorName: ERR.unknownObject,
    });
  });

  it('lets a test complete or dismiss a pending prompt by hand', async () => {
    const mock = await start({ ...lockedFixture, prompts: 'never' });
    const [, prompt] = (await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]])).body as [string[], string];
    const completed = nextSignal(client, mock.uniqueName, completedOf(prompt));
    await call(mock, prompt, IFACE.prompt, 'Prompt', 's', ['']);
    mock.completePrompt(prompt);
    expect((await completed).body[0]).toBe(false);
    expect(mock.collection(vault)?.locked).toBe(false);
    expect(() => mock.completePrompt(prompt)).toThrow(/No pending prompt/);

    mock.lock(vault);
    const [, second] = (await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]])).body as [string[], string];
    const dismissed = nextSignal(client, mock.uniqueName, completedOf(second));
    mock.dismissPrompt(second);
    expect((await dismissed).body[0]).toBe(true);
    expect(mock.collection(vault)?.locked).toBe(true);
  });

  /** Runs an Unlock prompt; resolves with the Completed the client got and whether `bystander` saw it too. */
  async function completeWatched(mock: MockSecretService, bystander: DBusConnection) {
    const [, prompt] = (await call(mock, SERVICE, IFACE.service, 'Unlock', 'ao', [[vault]])).body as [string[], string];
    const seenByBystander = nextSignal(bystander, mock.uniqueName, completedOf(prompt), 300).then(
      () => true,
      () => false,
    );
    const completed = nextSignal(client, mock.uniqueName, completedOf(prompt));
    await call(mock, prompt, IFACE.prompt, 'Prompt', 's', ['']);
    return { signal: await completed, seenByBystander: await seenByBystander };
  }

  it('sends Completed to the caller only by default, which needs no match rule to receive it', async () => {
    const mock = await start(lockedFixture);
    const bystander = await connect();
    await bystander.addMatch(`type='signal',interface='${IFACE.prompt}'`);
    const { signal, seenByBystander } = await completeWatched(mock, bystander);
    expect(signal.destination).toBe(client.uniqueName);
    expect(seenByBystander).toBe(false);
  });

  it('broadcasts Completed with broadcastCompleted, to every connection with a match rule', async () => {
    const mock = await start({ ...lockedFixture, broadcastCompleted: true });
    const bystander = await connect();
    const rule = `type='signal',interface='${IFACE.prompt}'`;
    await bystander.addMatch(rule);
    await client.addMatch(rule);
    try {
      const { signal, seenByBystander } = await completeWatched(mock, bystander);
      expect(signal.destination).toBeUndefined();
      expect(seenByBystander).toBe(true);
    } finally {
      await client.removeMatch(rule);
    }
  });

  it('CreateCollection always answers "/" and a prompt, returning the existing collection for a known alias', async () => {
    const mock = await start();
    const create = async (label: string, alias: string) => {
      const properties = { 'org.freedesktop.Secret.Collection.Label': variant('s', label) };
      const reply = await call(mock, SERVICE, IFACE.service, 'CreateCollection', 'a{sv}s', [properties, alias]);
      expect(reply.body[0]).toBe('/');
      return runPrompt(mock, reply.body[1] as string);
    };
    expect((await create('Other', 'default')).result.value).toBe(LOGIN);
    const { result } = await create('My Keys', 'mine');
    expect(result).toMatchObject({ signature: 'o', value: `${SERVICE}/collection/my_keys` });
    expect(mock.collection(`${SERVICE}/collection/my_keys`)).toMatchObject({ label: 'My Keys', aliases: ['mine'] });
  });

  it('KeePassXC style: CreateItem and Lock answer prompts, with v(o) and v(ao) results', async () => {
    const mock = await start({ promptOnCreateItem: true, promptOnLock: true });
    const session = await openPlain(mock);
    const [item, createPrompt] = await createItem(mock, LOGIN, plainSecret(session, 'kpxc'), { app: 'kpxc' });
    expect(item).toBe('/');
    expect(mock.collection(LOGIN)?.items).toEqual([]);
    const created = await runPrompt(mock, createPrompt);
    expect(created.result).toMatchObject({ signature: 'o', value: `${LOGIN}/1` });
    expect(text(mock.item(`${LOGIN}/1`)?.secret)).toBe('kpxc');

    const [locked, lockPrompt] = (await call(mock, SERVICE, IFACE.service, 'Lock', 'ao', [[LOGIN]])).body as [
      string[],
      string,
    ];
    expect(locked).toEqual([]);
    expect(mock.collection(LOGIN)?.locked).toBe(false);
    expect((await runPrompt(mock, lockPrompt)).result).toMatchObject({ signature: 'ao', value: [LOGIN] });
    expect(mock.collection(LOGIN)?.locked).toBe(true);
  });

  it('Lock without the KeePassXC scenario locks at once', async () => {
    const mock = await start();
    const reply = await call(mock, SERVICE, IFACE.service, 'Lock', 'ao', [[LOGIN]]);
    expect(reply.body).toEqual([[LOGIN], '/']);
    expect(await getProperty(mock, LOGIN, IFACE.collection, 'Locked')).toBe(true);
  });
});

describe('aliases and properties', () => {
  it('resolves alias paths for every call and manages aliases with ReadAlias/SetAlias', async () => {
    const mock = await start();
    expect(await getProperty(mock, DEFAULT_ALIAS, IFACE.collection, 'Label')).toBe('Login');
    expect((await call(mock, SERVICE, IFACE.service, 'ReadAlias', 's', ['default'])).body).toEqual([LOGIN]);
    expect((await call(mock, SERVICE, IFACE.service, 'ReadAlias', 's', ['nope'])).body).toEqual(['/']);

    await call(mock, SERVICE, IFACE.service, 'SetAlias', 'so', ['work', LOGIN]);
    expect(mock.aliases()).toEqual({ default: LOGIN, work: LOGIN });
    await call(mock, SERVICE, IFACE.service, 'SetAlias', 'so', ['default', '/']);
    expect((await call(mock, SERVICE, IFACE.service, 'ReadAlias', 's', ['default'])).body).toEqual(['/']);
    await expect(getProperty(mock, DEFAULT_ALIAS, IFACE.collection, 'Label')).rejects.toMatchObject({
      errorName: ERR.unknownObject,
    });
  });

  it('serves Get, Set and GetAll with the spec types, and refuses read-only and unknown properties', async () => {
    const mock = await start({ now: () => 1_700_000_000_000 });
    expect(await getProperty(mock, SERVICE, IFACE.service, 'Collections')).toEqual([LOGIN]);
    const all = (await call(mock, LOGIN, IFACE.properties, 'GetAll', 's', [IFACE.collection])).body[0] as Record<
      string,
      DBusVariant
    >;
    expect(Object.fromEntries(Object.entries(all).map(([name, value]) => [name, value.signature]))).toEqual({
      Items: 'ao',
      Label: 's',
      Locked: 'b',
      Created: 't',
      Modified: 't',
    });
    expect(all.Created.value).toBe(1_700_000_000n);

    await call(mock, LOGIN, IFACE.properties, 'Set', 'ssv', [IFACE.collection, 'Label', variant('s', 'Renamed')]);
    expect(mock.collection(LOGIN)?.label).toBe('Renamed');
    for (const [name, value] of [
      ['Locked', variant('b', false)],
      ['Label', variant('u', 1)],
      ['Nope', variant('s', '')],
    ] as const) {
      await expect(
        call(mock, LOGIN, IFACE.properties, 'Set', 'ssv', [IFACE.collection, name, value]),
      ).rejects.toMatchObject({ errorName: ERR.invalidArgs });
    }
  });

  it('emits CollectionCreated, CollectionChanged and CollectionDeleted as broadcasts', async () => {
    const mock = await start({ collections: [] });
    const rule = `type='signal',interface='${IFACE.service}'`;
    await client.addMatch(rule);
    try {
      const created = nextSignal(client, mock.uniqueName, (signal) => signal.member === 'CollectionCreated');
      const path = mock.addCollection({ label: 'Temp' });
      expect((await created).body).toEqual([path]);
      const changed = nextSignal(client, mock.uniqueName, (signal) => signal.member === 'CollectionChanged');
      mock.lock(path);
      expect((await changed).destination).toBeUndefined();
      const deleted = nextSignal(client, mock.uniqueName, (signal) => signal.member === 'CollectionDeleted');
      expect((await call(mock, path, IFACE.collection, 'Delete')).body).toEqual(['/']);
      expect((await deleted).body).toEqual([path]);
      expect(mock.collections()).toEqual([]);
    } finally {
      await client.removeMatch(rule);
    }
  });
});

describe('gnome-keyring internal interface', () => {
  const fixture = { collections: [{ id: 'login', label: 'Login', locked: true, masterPassword: 'right' }] };

  it('unlocks with the right master password only, over a DH session', async () => {
    const mock = await start(fixture);
    const { session, key } = await openDh(mock);
    const unlock = (password: string) =>
      call(mock, SERVICE, IFACE.gnome, 'UnlockWithMasterPassword', 'o(oayays)', [
        LOGIN,
        dhSecret(session, key, password),
      ]);
    await expect(unlock('wrong')).rejects.toMatchObject({ errorName: ERR.denied });
    expect(mock.collection(LOGIN)?.locked).toBe(true);
    await unlock('right');
    expect(mock.collection(LOGIN)?.locked).toBe(false);
  });

  it('creates a collection with a master password that later unlocks it', async () => {
    const mock = await start({ collections: [] });
    const session = await openPlain(mock);
    const properties = { 'org.freedesktop.Secret.Collection.Label': variant('s', 'Test Keyring') };
    const reply = await call(mock, SERVICE, IFACE.gnome, 'CreateWithMasterPassword', 'a{sv}(oayays)', [
      properties,
      plainSecret(session, 'pw'),
    ]);
    const path = reply.body[0] as string;
    expect(mock.collection(path)).toMatchObject({ label: 'Test Keyring', locked: false });
    mock.lock(path);
    const unlock = (password: string) =>
      call(mock, SERVICE, IFACE.gnome, 'UnlockWithMasterPassword', 'o(oayays)', [path, plainSecret(session, password)]);
    await expect(unlock('nope')).rejects.toMatchObject({ errorName: ERR.denied });
    await unlock('pw');
    expect(mock.collection(path)?.locked).toBe(false);
  });

  it('is absent with gnomeInternalInterface: false', async () => {
    const mock = await start({ ...fixture, gnomeInternalInterface: false });
    const session = await openPlain(mock);
    await expect(
      call(mock, SERVICE, IFACE.gnome, 'UnlockWithMasterPassword', 'o(oayays)', [LOGIN, plainSecret(session, 'right')]),
    ).rejects.toMatchObject({ errorName: ERR.unknownMethod });
  });
});

describe('errors, hooks and bookkeeping', () => {
  it('answers UnknownObject, UnknownMethod and InvalidArgs like a GDBus service', async () => {
    const mock = await start();
    await expect(call(mock, `${SERVICE}/collection/nope`, IFACE.collection, 'Delete')).rejects.toMatchObject({
      errorName: ERR.unknownObject,
    });
    await expect(call(mock, `${LOGIN}/42`, IFACE.item, 'Delete')).rejects.toMatchObject({
      errorName: ERR.unknownObject,
    });
    await expect(call(mock, `${SERVICE}/prompt/77`, IFACE.prompt, 'Prompt', 's', [''])).rejects.toMatchObject({
      errorName: ERR.unknownObject,
    });
    await expect(call(mock, SERVICE, IFACE.service, 'Frobnicate')).rejects.toMatchObject({
      errorName: ERR.unknownMethod,
    });
    await expect(call(mock, SERVICE, IFACE.service, 'ReadAlias', 'u', [1])).rejects.toMatchObject({
      errorName: ERR.invalidArgs,
    });
  });

  it('serves under its unique name only with claimName: false', async () => {
    const mock = await start({ claimName: false });
    expect(mock.busName).toBe(mock.uniqueName);
    expect((await busCall('NameHasOwner', 's', ['org.freedesktop.secrets'])).body).toEqual([false]);
    expect((await call(mock, SERVICE, IFACE.service, 'ReadAlias', 's', ['default'])).body).toEqual([LOGIN]);
  });

  it('lets hooks.onCall replace a reply with an error, a reply of the wrong signature, or silence', async () => {
    const mock = await start();
    mock.hooks.onCall = (message) => {
      if (message.member === 'ReadAlias') return { errorName: 'org.example.Broken', text: 'nope' };
      if (message.member === 'SearchItems') return { signature: 's', body: ['not two arrays'] };
      if (message.member === 'Lock') return 'drop';
      return 'pass';
    };
    await expect(call(mock, SERVICE, IFACE.service, 'ReadAlias', 's', ['default'])).rejects.toMatchObject({
      errorName: 'org.example.Broken',
      text: 'nope',
    });
    const search = client.call(
      {
        destination: mock.busName,
        path: SERVICE,
        interface: IFACE.service,
        member: 'SearchItems',
        signature: 'a{ss}',
        body: [{}],
      },
      { replySignature: 'aoao', timeoutMs: 5000 },
    );
    await expect(search).rejects.toBeInstanceOf(ProtocolError);
    const lock = client.call(
      {
        destination: mock.busName,
        path: SERVICE,
        interface: IFACE.service,
        member: 'Lock',
        signature: 'ao',
        body: [[]],
      },
      { timeoutMs: 200 },
    );
    await expect(lock).rejects.toBeInstanceOf(TimeoutException);
    expect(mock.collection(LOGIN)?.locked).toBe(false);
  });

  it('lets hooks.transformSecret corrupt outgoing secrets', async () => {
    const mock = await start({
      collections: [{ id: 'login', label: 'Login', items: [{ secret: 'sensitive' }] }],
      hooks: {
        transformSecret: (secret, context) => {
          expect(context).toMatchObject({ member: 'GetSecret', item: `${LOGIN}/1`, sender: client.uniqueName });
          return { ...secret, parameters: secret.parameters.subarray(0, 8) };
        },
      },
    });
    const { session, key } = await openDh(mock);
    const [, iv, ciphertext] = (await call(mock, `${LOGIN}/1`, IFACE.item, 'GetSecret', 'o', [session]))
      .body[0] as SecretStruct;
    expect(iv).toHaveLength(8);
    expect(() => decryptSecret(key, iv, ciphertext)).toThrow(ProtocolError);
  });

  it('counts calls per member and records who made them', async () => {
    const mock = await start({ collections: [{ id: 'login', label: 'Login', items: [{ secret: 's' }] }] });
    const session = await openPlain(mock);
    await call(mock, `${LOGIN}/1`, IFACE.item, 'GetSecret', 'o', [session]);
    expect(mock.callCount('GetSecret')).toBe(1);
    expect(mock.callCount('org.freedesktop.Secret.Item.GetSecret')).toBe(1);
    expect(mock.callCount('GetSecrets')).toBe(0);
    expect(mock.calls().map((c) => c.member)).toEqual(['OpenSession', 'GetSecret']);
    expect(mock.calls()[0].sender).toBe(client.uniqueName);
    mock.resetCalls();
    expect(mock.calls()).toEqual([]);
  });

  it('refuses a second mock on the well-known name', async () => {
    await start();
    await expect(start()).rejects.toThrow(/already owned/);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

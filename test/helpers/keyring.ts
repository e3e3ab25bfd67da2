/**
 * Per-file fixture: a private dbus-daemon with a real, unlocked gnome-keyring, started before the file's tests and
 * stopped after them. `transport: 'tcp'` connects over 127.0.0.1 with DBUS_COOKIE_SHA1 authentication instead of the socket.
 * With SECRETSTORAGE_TEST_ADDRESS set (e.g. a container's `tcp:host=…,port=…`), every file uses that bus instead, and
 * tests that need the keyring's processes (`k.keyring`) are skipped. With SECRETSTORAGE_TEST_PROVIDER=kwallet or
 * keepassxc (`npm run test:providers`), each file starts that server instead of gnome-keyring (startHeadlessProvider),
 * and the tests that need gnome-keyring's processes are skipped the same way.
 */
import { afterAll, beforeAll, beforeEach, type TestContext } from 'vitest';
import { dbusInit, getAllCollections, type Connection, type DbusInitOptions } from '../../src/index.js';
import { startHeadlessKeyring, type HeadlessKeyring } from '../../src/testing/headless-keyring.js';
import {
  SECRET_SERVICE_PROVIDERS,
  startHeadlessProvider,
  type HeadlessProvider,
  type SecretServiceProvider,
} from '../../src/testing/headless-provider.js';

export interface KeyringFixture {
  keyring: HeadlessKeyring;
  /** The KWallet or KeePassXC the file runs against (SECRETSTORAGE_TEST_PROVIDER); undefined for gnome-keyring. */
  provider?: HeadlessProvider;
  /** The address tests connect to (Unix socket or TCP). */
  address: string;
  /** A connection opened for the file; closed after it. */
  conn: Connection;
  /** Opens another connection to the same bus (closed after the file). */
  connect(options?: DbusInitOptions): Promise<Connection>;
  /**
   * Runs a step of a peer tool (never this library's own): if gnome-keyring-daemon exited while it ran, waits for the
   * restart and runs it once more. gnome-keyring 42 aborts now and then (g_error, SIGTRAP) under @napi-rs/keyring;
   * that is the peer's and the daemon's business, not what an interop test is about. The exit is still reported.
   */
  peerStep<T>(step: () => Promise<T>): Promise<T>;
}

/** An existing bus with a Secret Service that the integration tests run against instead of their own. */
export const externalBusAddress = process.env.SECRETSTORAGE_TEST_ADDRESS || undefined;

/** The server the integration tests run against: SECRETSTORAGE_TEST_PROVIDER, gnome-keyring by default. */
export const testProvider = ((): SecretServiceProvider => {
  const name = process.env.SECRETSTORAGE_TEST_PROVIDER || 'gnome-keyring';
  if (!SECRET_SERVICE_PROVIDERS.includes(name as SecretServiceProvider)) {
    throw new Error(`SECRETSTORAGE_TEST_PROVIDER=${name}: use one of ${SECRET_SERVICE_PROVIDERS.join(', ')}.`);
  }
  return name as SecretServiceProvider;
})();

/** Whether the files start a server other than gnome-keyring, whose processes `k.keyring` would be. */
export const otherProvider = !externalBusAddress && testProvider !== 'gnome-keyring';

/**
 * The daemon is restarted when it exits without being asked to, and each such exit is printed with what gnome-keyring
 * said, so that a failure it causes is explained (`restartKeyring: false`, neither: for files that kill it on purpose).
 */
export function useKeyring(options: { transport?: 'unix' | 'tcp'; restartKeyring?: boolean } = {}): KeyringFixture {
  const fixture = {} as KeyringFixture;
  const extra: Connection[] = [];
  let currentTest: TestContext | undefined;
  // KeePassXC 2.7.4 dies (SIGSEGV) on the first call from a client whose process it cannot look up: any TCP client.
  const unsupported =
    otherProvider && testProvider === 'keepassxc' && options.transport === 'tcp'
      ? 'KeePassXC crashes on a call from a TCP client (see docs/servers.md)'
      : undefined;
  /** Whether something owns org.freedesktop.secrets on the fixture's bus (true when the bus cannot be asked). */
  const ownsSecretsName = async () => {
    try {
      return (await fixture.conn.callBus('NameHasOwner', 's', ['org.freedesktop.secrets'])) === true;
    } catch {
      return true;
    }
  };
  beforeEach(async (context) => {
    currentTest = context;
    if (unsupported) context.skip(unsupported);
    // KeePassXC 2.7.4 crashes now and then (SIGSEGV) under this suite's load; `npm run test:providers` retries a
    // failed test once, and the retry gets a new server, saying why. The bus can notice the crash (its name has no
    // owner) before this process has reaped the child, so a server that no longer owns the name counts as gone too.
    const server = fixture.provider?.process;
    if (server && (server.exitCode !== null || server.signalCode !== null || !(await ownsSecretsName()))) {
      const how =
        server.signalCode !== null || server.exitCode !== null
          ? `exited (${server.signalCode ?? `code ${server.exitCode}`})`
          : 'left the bus';
      console.warn(
        `${testProvider} ${how} before "${context.task.name}"; ` +
          `starting a new one. Its last output:\n${fixture.provider!.output().trim() || '(none)'}`,
      );
      await fixture.provider!.stop();
      fixture.provider = await startHeadlessProvider({ provider: testProvider, tcp: options.transport === 'tcp' });
      fixture.address = options.transport === 'tcp' ? fixture.provider.tcpAddress! : fixture.provider.address;
      fixture.conn = await fixture.connect();
    }
  });
  beforeAll(async () => {
    if (unsupported) return;
    if (externalBusAddress || otherProvider) {
      const why = externalBusAddress
        ? 'SECRETSTORAGE_TEST_ADDRESS points at an external bus'
        : `the file runs against ${testProvider}`;
      if (externalBusAddress) {
        fixture.address = externalBusAddress;
      } else {
        fixture.provider = await startHeadlessProvider({ provider: testProvider, tcp: options.transport === 'tcp' });
        fixture.address = options.transport === 'tcp' ? fixture.provider.tcpAddress! : fixture.provider.address;
      }
      Object.defineProperty(fixture, 'keyring', {
        get() {
          currentTest?.skip(`needs gnome-keyring's processes; ${why}`);
          throw new Error(`k.keyring is not available: ${why}.`);
        },
      });
    } else {
      const restart = options.restartKeyring ?? true;
      fixture.keyring = await startHeadlessKeyring({
        tcp: options.transport === 'tcp',
        restartKeyringOnExit: restart,
        // A file that kills the daemon itself knows why it exited.
        onKeyringExit: restart
          ? (exit) =>
              console.warn(
                `gnome-keyring-daemon exited (${exit.reason}) during "${currentTest?.task.name ?? 'setup'}"` +
                  `${exit.restarting ? '; restarting it' : ''}. Its last output:\n${exit.output.trim() || '(none)'}`,
              )
          : undefined,
      });
      fixture.address = options.transport === 'tcp' ? fixture.keyring.tcpAddress! : fixture.keyring.address;
    }
    fixture.connect = async (connectOptions = {}) => {
      const conn = await dbusInit({ address: fixture.address, ...connectOptions });
      extra.push(conn);
      return conn;
    };
    fixture.peerStep = async (step) => {
      if (externalBusAddress || otherProvider) return step();
      await fixture.keyring.keyringReady();
      const exits = fixture.keyring.keyringExits.length;
      try {
        return await step();
      } catch (error) {
        if (fixture.keyring.keyringExits.length === exits) throw error;
        await fixture.keyring.keyringReady();
        return step();
      }
    };
    fixture.conn = await fixture.connect();
  });
  let before: KeyringContents | undefined;
  beforeAll(async () => {
    if (externalBusAddress && fixture.conn) before = await keyringContents(fixture.conn);
  });
  afterAll(async () => {
    // On a shared keyring, what a file created would stay for every later file: gnome-keyring rewrites the whole
    // keyring file on each change, so later files would get slower the more ran before them.
    if (before && fixture.conn) await removeAddedSince(fixture.conn, before);
    await Promise.all(extra.map((conn) => conn.close()));
    if (fixture.provider) await fixture.provider.stop();
    else if (!externalBusAddress) await fixture.keyring?.stop();
  });
  return fixture;
}

/** Attributes unique to one test, so tests in a file never see each other's items. */
let counter = 0;
export function uniqueAttributes(extra: Record<string, string> = {}): Record<string, string> {
  return { application: 'secretstorage-test', test: `${process.pid}-${++counter}-${Date.now()}`, ...extra };
}

interface KeyringContents {
  collections: Set<string>;
  items: Set<string>;
}

/** The paths of every collection and of every item in the unlocked ones. */
async function keyringContents(conn: Connection): Promise<KeyringContents> {
  const contents: KeyringContents = { collections: new Set(), items: new Set() };
  for (const collection of await getAllCollections(conn)) {
    const path = await collection.getPath();
    contents.collections.add(path);
    if (await collection.isLocked()) continue;
    for (const item of await collection.getAllItems()) contents.items.add(item.itemPath);
  }
  return contents;
}

/** Deletes the collections and items that were not there at `before` (those in locked collections stay). */
async function removeAddedSince(conn: Connection, before: KeyringContents): Promise<void> {
  for (const collection of await getAllCollections(conn)) {
    const path = await collection.getPath();
    if (!before.collections.has(path)) {
      await collection.delete().catch(() => undefined);
      continue;
    }
    if (await collection.isLocked().catch(() => true)) continue;
    for (const item of await collection.getAllItems()) {
      if (!before.items.has(item.itemPath)) await item.delete().catch(() => undefined);
    }
  }
}

/**
 * Why a test cannot run against the server the files run against (SECRETSTORAGE_TEST_PROVIDER), or undefined when it
 * can: for `it.skipIf(...)`-style use as `it.runIf(!skipOn(...))`, or `describe.skipIf`. Each reason is a row of
 * docs/servers.md.
 */
export function skipOn(reasons: Partial<Record<SecretServiceProvider, string>>): string | undefined {
  return otherProvider ? reasons[testProvider] : undefined;
}

/** Attributes that a server adds to every item by itself (KeePassXC: its entry's fields). */
const SERVER_ATTRIBUTES: Record<SecretServiceProvider, readonly string[]> = {
  'gnome-keyring': [],
  kwallet: [],
  keepassxc: ['Title', 'UserName', 'URL', 'Notes', 'Path', 'Uuid', 'FDO_SECRETS_CONTENT_TYPE'],
};

/** An item's attributes without those the server adds by itself, for comparing with what a test stored. */
export function storedAttributes(attributes: Record<string, string>): Record<string, string> {
  const added = otherProvider ? SERVER_ATTRIBUTES[testProvider] : [];
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => !added.includes(key)));
}

/** The path of the default collection of the server the files run against. */
export const DEFAULT_COLLECTION: string = {
  'gnome-keyring': '/org/freedesktop/secrets/collection/login',
  kwallet: '/org/freedesktop/secrets/collection/kdewallet',
  keepassxc: '/org/freedesktop/secrets/collection/passwords',
}[otherProvider ? testProvider : 'gnome-keyring'];

/**
 * Set when the server has no way to create or unlock a collection with a password (gnome-keyring's internal
 * interface): the tests that build locked collections that way cannot run; providers.test.ts locks and unlocks
 * KWallet's and KeePassXC's collections through their dialogs instead.
 */
export const noPasswordCollections = !!skipOn({
  kwallet: 'no CreateWithMasterPassword / UnlockWithMasterPassword',
  keepassxc: 'no CreateWithMasterPassword / UnlockWithMasterPassword',
});

/** How the server the files run against shows itself: its default collection's label, its program, its name. */
export const SERVER_FACTS: { label: string; program: string; name: string } = {
  'gnome-keyring': { label: 'Login', program: 'gnome-keyring-daemon', name: 'gnome-keyring' },
  kwallet: { label: 'kdewallet', program: 'kwalletd5', name: 'KWallet' },
  keepassxc: { label: 'Passwords', program: 'keepassxc', name: 'KeePassXC' },
}[otherProvider ? testProvider : 'gnome-keyring'];

/**
 * A Secret Service for tests, on any bus: what a headless gnome-keyring cannot do (prompts that complete, are
 * dismissed or never end), the behaviours of other servers (KeePassXC, oo7-daemon, a plain-only service) and, through
 * hooks, broken or hostile replies. Exported to users as `secretstorage/testing`.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { loadNodeCrypto } from '../crypto/node-crypto.js';
import { DBusConnection } from '../dbus/connection.js';
import { Dispatcher, type MockCallRecord } from './mock/dispatch.js';
import {
  DEFAULT_COLLECTIONS,
  loadFixture,
  snapshotCollection,
  snapshotItem,
  type MockCollectionFixture,
  type MockCollectionSnapshot,
  type MockItemSnapshot,
} from './mock/fixtures.js';
import { COLLECTION_IFACE, PROMPT_IFACE, SERVICE_IFACE, type MockContext } from './mock/objects.js';
import { PromptRegistry } from './mock/prompts.js';
import { DEFAULT_SCENARIO, type MockHooks, type MockScenario } from './mock/scenario.js';
import { SessionRegistry } from './mock/sessions.js';
import { SERVICE_PATH, SecretStore } from './mock/store.js';

export type { MockCallRecord } from './mock/dispatch.js';
export {
  DEFAULT_COLLECTIONS,
  type MockCollectionFixture,
  type MockCollectionSnapshot,
  type MockItemFixture,
  type MockItemSnapshot,
} from './mock/fixtures.js';
export type {
  CallHookResult,
  MockHooks,
  MockScenario,
  OutgoingSecretContext,
  PromptBehaviour,
  WireSecret,
} from './mock/scenario.js';

/** The well-known name the mock claims unless `claimName` is false. */
export const SECRET_SERVICE_BUS_NAME = 'org.freedesktop.secrets';

export interface MockSecretServiceOptions extends Partial<MockScenario> {
  /** Bus address to serve on, e.g. a private dbus-daemon's. */
  address: string;
  /** Claim `org.freedesktop.secrets` (default), or serve under the unique name only, like libsecret's mock. */
  claimName?: boolean;
  collections?: readonly MockCollectionFixture[];
  hooks?: MockHooks;
  /** Source of DH private keys and AES IVs (default `crypto.randomBytes`); inject it to force a given server key. */
  randomBytes?: (length: number) => Uint8Array;
  /** Clock for `Created`/`Modified`, in milliseconds (default `Date.now`). */
  now?: () => number;
}

export interface MockSessionSnapshot {
  path: string;
  algorithm: string;
  /** Unique name of the connection that opened it. */
  owner: string;
}

/** A running mock; everything but `stop()` is synchronous and reads or changes the live state. */
export interface MockSecretService {
  /** The name clients should call: `org.freedesktop.secrets`, or the unique name when `claimName` is false. */
  readonly busName: string;
  readonly uniqueName: string;
  readonly address: string;
  /** The live scenario: change a field and the next call behaves accordingly. */
  readonly scenario: MockScenario;
  /** The live hooks: assign `onCall`, `transformSecret` or `transformPromptResult` at any time. */
  readonly hooks: MockHooks;
  collections(): MockCollectionSnapshot[];
  /** The collection at a path or alias path, or undefined. */
  collection(path: string): MockCollectionSnapshot | undefined;
  item(path: string): MockItemSnapshot | undefined;
  /** Alias name → collection path. */
  aliases(): Record<string, string>;
  /** Adds a collection as if it had been there from the start; returns its path. */
  addCollection(fixture: MockCollectionFixture): string;
  /** Locks a collection, or one item only. @throws Error when nothing lives at `path`. */
  lock(path: string): void;
  /** Unlocks a collection, or an item and its collection. @throws Error when nothing lives at `path`. */
  unlock(path: string): void;
  sessions(): MockSessionSnapshot[];
  /** Paths of the prompts not completed yet. */
  pendingPrompts(): string[];
  /** Completes a pending prompt as the user would (drives 'never' prompts). @throws Error when it is not pending. */
  completePrompt(path: string): void;
  /** Completes a pending prompt as dismissed. @throws Error when it is not pending. */
  dismissPrompt(path: string): void;
  /** How many calls of `member` (`GetSecret`) or `interface.member` (`org.freedesktop.Secret.Item.GetSecret`). */
  callCount(member: string): number;
  /** Every call received, in order. */
  calls(): MockCallRecord[];
  resetCalls(): void;
  /** Leaves the bus; the name is released and open sessions die with the connection. */
  stop(): Promise<void>;
}

const DO_NOT_QUEUE = 0x4;
const PRIMARY_OWNER = 1;
const NAME_OWNER_CHANGED_RULE =
  "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'";

/** The scenario fields given in `options`, over the defaults (an explicit `undefined` keeps the default). */
function scenarioFrom(overrides: Partial<MockScenario>): MockScenario {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  // A copy, so that changing the live scenario never changes the caller's array.
  return { ...DEFAULT_SCENARIO, ...given, algorithms: [...(overrides.algorithms ?? DEFAULT_SCENARIO.algorithms)] };
}

/**
 * Connects to the bus at `options.address`, loads the fixture and starts answering Secret Service calls.
 * @throws NoBackendError when the bus cannot be reached; Error when `org.freedesktop.secrets` is already owned.
 */
export async function startMockSecretService(options: MockSecretServiceOptions): Promise<MockSecretService> {
  const {
    address,
    claimName = true,
    collections = DEFAULT_COLLECTIONS,
    hooks = {},
    randomBytes = nodeRandomBytes,
    now = Date.now,
    ...overrides
  } = options;
  const scenario = scenarioFrom(overrides);
  await loadNodeCrypto(); // the service side of the transfer encryption runs in synchronous handlers
  const connection = await DBusConnection.open(address);
  try {
    const store = new SecretStore(
      (event) => {
        if ('item' in event) connection.emitSignal(event.collection, COLLECTION_IFACE, event.member, 'o', [event.item]);
        else connection.emitSignal(SERVICE_PATH, SERVICE_IFACE, event.member, 'o', [event.collection]);
      },
      () => Math.floor(now() / 1000),
    );
    const prompts = new PromptRegistry((path, dismissed, result, destination) =>
      connection.emitSignal(
        path,
        PROMPT_IFACE,
        'Completed',
        'bv',
        [dismissed, !dismissed && hooks.transformPromptResult ? hooks.transformPromptResult(result, path) : result],
        scenario.broadcastCompleted ? undefined : destination,
      ),
    );
    const sessions = new SessionRegistry({
      algorithms: () => scenario.algorithms,
      unpaddedServerKey: () => scenario.unpaddedServerKey,
      signedServerKey: () => scenario.signedServerKey,
      randomBytes,
    });
    for (const fixture of collections) loadFixture(store, fixture);

    const context: MockContext = { store, sessions, prompts, scenario, hooks };
    const dispatcher = new Dispatcher(context, connection);
    connection.onMethodCall((message) => dispatcher.handle(message));

    // Sessions die with the connection that opened them (spec ch. 6).
    await connection.addMatch(NAME_OWNER_CHANGED_RULE);
    const fromBus = { sender: 'org.freedesktop.DBus', interface: 'org.freedesktop.DBus', member: 'NameOwnerChanged' };
    connection.onSignal(fromBus, (signal) => {
      if (signal.signature !== 'sss') return;
      const [name, , newOwner] = signal.body as [string, string, string];
      if (newOwner === '' && name.startsWith(':')) sessions.closeOwnedBy(name);
    });

    if (claimName) {
      const code = await connection.requestName(SECRET_SERVICE_BUS_NAME, DO_NOT_QUEUE);
      if (code !== PRIMARY_OWNER) {
        throw new Error(`${SECRET_SERVICE_BUS_NAME} is already owned on ${address} (RequestName answered ${code}).`);
      }
    }

    const requirePending = (path: string): void => {
      if (!prompts.has(path)) throw new Error(`No pending prompt at ${path}`);
    };
    const checked = (change: (path: string) => void) => (path: string) => {
      if (store.isLocked(path) === undefined) throw new Error(`No collection or item at ${path}`);
      change(path);
    };

    return {
      busName: claimName ? SECRET_SERVICE_BUS_NAME : connection.uniqueName,
      uniqueName: connection.uniqueName,
      address,
      scenario,
      hooks,
      collections: () => [...store.collections.values()].map((collection) => snapshotCollection(store, collection)),
      collection: (path) => {
        const collection = store.collection(path);
        return collection && snapshotCollection(store, collection);
      },
      item: (path) => {
        const item = store.item(path);
        return item && snapshotItem(store, item);
      },
      aliases: () => Object.fromEntries(store.aliases),
      addCollection: (fixture) => loadFixture(store, fixture).path,
      lock: checked((path) => store.lock(path)),
      unlock: checked((path) => store.unlock(path)),
      sessions: () => sessions.list().map(({ path, algorithm, owner }) => ({ path, algorithm, owner })),
      pendingPrompts: () => prompts.list(),
      completePrompt: (path) => {
        requirePending(path);
        prompts.complete(path);
      },
      dismissPrompt: (path) => {
        requirePending(path);
        prompts.dismiss(path);
      },
      callCount: (member) =>
        dispatcher.calls.filter((call) =>
          member.includes('.') ? `${call.interface}.${call.member}` === member : call.member === member,
        ).length,
      calls: () => [...dispatcher.calls],
      resetCalls: () => {
        dispatcher.calls.length = 0;
      },
      stop: () => connection.close(),
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

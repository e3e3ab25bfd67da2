/**
 * What a Secret Service server does in the situations where servers differ, observed with raw D-Bus calls (never
 * through the library, whose job is to smooth these over): run against a real server and against the mock scenario
 * that imitates it, the two results must be equal, so the mock cannot drift from what it imitates.
 */
import { variant } from '../../src/dbus/codec.js';
import { DBusConnection, DBusMethodError } from '../../src/dbus/connection.js';
import { matchRule } from '../../src/dbus/signal-filter.js';
import { generateKeyPair } from '../../src/crypto/dh.js';

const SECRETS = 'org.freedesktop.secrets';
const ROOT = '/org/freedesktop/secrets';
const SERVICE = 'org.freedesktop.Secret.Service';
const GNOME_INTERNAL = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface';

export interface ServerBehaviour {
  /** gnome-keyring's internal interface (password creation and unlocking) on the service object. */
  gnomeInterface: boolean;
  /** The default collection's `Locked` before any client unlocked it. */
  lockedAtStart: boolean;
  /** What `Lock` of that collection answered while it reported locked: `ok`, or the error's name. */
  lockWhileLocked?: string;
  /** What the first `Unlock` needed: nothing (it was unlocked), no prompt, or a prompt. */
  firstUnlock: 'not locked' | 'no prompt' | 'prompt';
  /** The longest DH public key of 16 sessions (128, or 129 from KWallet's QCA). */
  longestServerKey: number;
  /** Whether CreateItem answered with a prompt. */
  createItemPrompt: boolean;
  /** Whether Lock answered with a prompt. */
  lockPrompt: boolean;
  /** GetSecrets of an item in the locked collection: `skipped`, or the error's name. */
  lockedGetSecrets: string;
  /** GetSecrets of an item and a path where no item is: `skipped` (the item's secret alone), or the error's name. */
  missingGetSecrets: string;
}

/** The error name of a failed call, or `ok`. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof DBusMethodError) return error.errorName;
    throw error;
  }
}

/**
 * Probes the server on `address`. `answerPrompt` is called when an unlock prompt was started with `Prompt()`, with a
 * function that tells whether the prompt has completed: it must answer the real server's dialog if one appears (the
 * mock completes by itself, and so does KWallet's prompt for an open wallet).
 */
export async function probeServer(
  address: string,
  answerPrompt: (completed: () => boolean) => Promise<void> = async () => undefined,
): Promise<ServerBehaviour> {
  const bus = await DBusConnection.open(address);
  const call = async (path: string, iface: string, member: string, signature = '', body: unknown[] = []) =>
    (await bus.call({ destination: SECRETS, path, interface: iface, member, signature, body }, { timeoutMs: 60_000 }))
      .body;
  const completed = new Map<string, () => void>();
  const promptSignals = { sender: SECRETS, interface: 'org.freedesktop.Secret.Prompt', member: 'Completed' };
  bus.onSignal(promptSignals, (message) => {
    if (message.path) completed.get(message.path)?.();
  });
  await bus.addMatch(matchRule(promptSignals));
  const runPrompt = async (prompt: string) => {
    let finished = false;
    const done = new Promise<void>((resolve) =>
      completed.set(prompt, () => {
        finished = true;
        resolve();
      }),
    );
    await call(prompt, 'org.freedesktop.Secret.Prompt', 'Prompt', 's', ['']);
    await answerPrompt(() => finished);
    await done;
  };
  const locked = async (path: string) =>
    (
      await call(path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', ['org.freedesktop.Secret.Collection', 'Locked'])
    )[0].value as boolean;
  try {
    // Not by Introspect, which the mock does not answer: a call to the interface on a path that is no collection
    // fails with the interface's own error where it exists, with UnknownMethod or UnknownInterface where not.
    const gnomeCall = await outcome(
      call(ROOT, GNOME_INTERNAL, 'UnlockWithMasterPassword', 'o(oayays)', [
        `${ROOT}/collection/no_such_probe`,
        ['/', Buffer.alloc(0), Buffer.alloc(0), 'text/plain'],
      ]),
    );
    const [collection] = (await call(ROOT, SERVICE, 'ReadAlias', 's', ['default'])) as [string];
    const lockedAtStart = await locked(collection);
    let lockWhileLocked: string | undefined;
    let firstUnlock: ServerBehaviour['firstUnlock'] = 'not locked';
    if (lockedAtStart) {
      lockWhileLocked = await outcome(call(ROOT, SERVICE, 'Lock', 'ao', [[collection]]));
      const [, prompt] = (await call(ROOT, SERVICE, 'Unlock', 'ao', [[collection]])) as [string[], string];
      firstUnlock = prompt === '/' ? 'no prompt' : 'prompt';
      if (prompt !== '/') await runPrompt(prompt);
    }
    let longestServerKey = 0;
    for (let i = 0; i < 16; i++) {
      const [output] = await call(ROOT, SERVICE, 'OpenSession', 'sv', [
        'dh-ietf1024-sha256-aes128-cbc-pkcs7',
        variant('ay', Buffer.from(generateKeyPair().publicKey)),
      ]);
      longestServerKey = Math.max(longestServerKey, (output as { value: Buffer }).value.length);
    }
    const [, session] = (await call(ROOT, SERVICE, 'OpenSession', 'sv', ['plain', variant('s', '')])) as [
      unknown,
      string,
    ];
    const properties = {
      'org.freedesktop.Secret.Item.Label': variant('s', 'probe'),
      'org.freedesktop.Secret.Item.Attributes': variant('a{ss}', { probe: String(Date.now()) }),
    };
    const secret = [session, Buffer.alloc(0), Buffer.from('probed'), 'text/plain'];
    const [created, createPrompt] = (await call(
      `${collection}`,
      'org.freedesktop.Secret.Collection',
      'CreateItem',
      'a{sv}(oayays)b',
      [properties, secret, true],
    )) as [string, string];
    let item = created;
    if (createPrompt !== '/') {
      const done = new Promise<string>((resolve) => completed.set(createPrompt, () => resolve('')));
      await call(createPrompt, 'org.freedesktop.Secret.Prompt', 'Prompt', 's', ['']);
      await done;
      const [items] = (await call(collection, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [
        'org.freedesktop.Secret.Collection',
        'Items',
      ])) as [{ value: string[] }];
      item = items.value[items.value.length - 1];
    }
    const missingGetSecrets = await call(ROOT, SERVICE, 'GetSecrets', 'aoo', [
      [item, `${collection}/no_such_item_0`],
      session,
    ]).then(
      ([secrets]) => (Object.keys(secrets as object).join() === item ? 'skipped' : 'returned'),
      (error: unknown) => (error instanceof DBusMethodError ? error.errorName : String(error)),
    );
    // KeePassXC dismisses a Lock while it saves, a few hundred ms after a write: probe the Lock itself, not that.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [, lockPrompt] = (await call(ROOT, SERVICE, 'Lock', 'ao', [[collection]])) as [string[], string];
    if (lockPrompt !== '/') {
      const done = new Promise<void>((resolve) => completed.set(lockPrompt, resolve));
      await call(lockPrompt, 'org.freedesktop.Secret.Prompt', 'Prompt', 's', ['']);
      await done;
    }
    const lockedGetSecrets = await call(ROOT, SERVICE, 'GetSecrets', 'aoo', [[item], session]).then(
      ([secrets]) => (Object.keys(secrets as object).length === 0 ? 'skipped' : 'returned'),
      (error: unknown) => (error instanceof DBusMethodError ? error.errorName : String(error)),
    );
    return {
      gnomeInterface: ![
        'org.freedesktop.DBus.Error.UnknownMethod',
        'org.freedesktop.DBus.Error.UnknownInterface',
      ].includes(gnomeCall),
      lockedAtStart,
      ...(lockWhileLocked === undefined ? {} : { lockWhileLocked }),
      firstUnlock,
      longestServerKey,
      createItemPrompt: createPrompt !== '/',
      lockPrompt: lockPrompt !== '/',
      lockedGetSecrets,
      missingGetSecrets,
    };
  } finally {
    await bus.close();
  }
}

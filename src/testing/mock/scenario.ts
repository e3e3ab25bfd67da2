/**
 * The knobs of the mock Secret Service: which server it imitates (gnome-keyring by default, KWallet, KeePassXC,
 * oo7-daemon or a plain-only service) and the hooks that let a test turn it into a broken or hostile one.
 */
import type { DBusVariant } from '../../dbus/message.js';
import type { IncomingMessage } from '../../dbus/message.js';

/** What a prompt does when the client calls `Prompt()`: succeed, act as if the user cancelled, or wait forever. */
export type PromptBehaviour = 'complete' | 'dismiss' | 'never';

/**
 * Server behaviours that differ between real implementations. The handle exposes the live object, so a test may
 * change a field between two steps (e.g. start dismissing prompts after the first one completed).
 */
export interface MockScenario {
  /** Transfer algorithms `OpenSession` accepts; anything else gets `NotSupported`. */
  algorithms: string[];
  /** How every prompt reacts to `Prompt()`. */
  prompts: PromptBehaviour;
  /** KeePassXC: `CreateItem` always answers `/` plus a prompt whose result is `v(o)`, the new item. */
  promptOnCreateItem: boolean;
  /** KeePassXC: `Lock` answers a prompt (result `v(ao)`) instead of locking at once. */
  promptOnLock: boolean;
  /** `Collection.Delete` and `Item.Delete` answer a prompt (result `v(s '')`) instead of deleting at once. */
  promptOnDelete: boolean;
  /** `GetSecrets` fails with `IsLocked` on a locked item instead of leaving it out. */
  getSecretsFailsOnLocked: boolean;
  /** KWallet 5.103: `GetSecrets` returns the secrets of items in a collection it reports locked. */
  getSecretsIgnoresLock: boolean;
  /** KWallet 5.103: `GetSecrets` fails with InvalidArgs when one of the paths is not an item, instead of skipping it. */
  getSecretsFailsOnMissing: boolean;
  /** oo7-daemon: the server's DH public key is sent minimal-length (leading zero bytes stripped), not as 128 bytes. */
  unpaddedServerKey: boolean;
  /**
   * KWallet: the server's DH public key is sent as QCA's signed big-endian integer, 129 bytes with a leading zero
   * whenever its top bit is set (128 otherwise).
   */
  signedServerKey: boolean;
  /** KWallet: `Lock` of an object that is already locked fails with InvalidArgs ("Can't lock object at path …"). */
  refusesLockOfLocked: boolean;
  /** KeePassXC and oo7-daemon: `Prompt.Completed` is broadcast instead of sent to the caller only. */
  broadcastCompleted: boolean;
  /** gnome-keyring's `org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface` on `/org/freedesktop/secrets`. */
  gnomeInternalInterface: boolean;
}

export const DEFAULT_SCENARIO: Readonly<MockScenario> = {
  algorithms: ['plain', 'dh-ietf1024-sha256-aes128-cbc-pkcs7'],
  prompts: 'complete',
  promptOnCreateItem: false,
  promptOnLock: false,
  promptOnDelete: false,
  getSecretsFailsOnLocked: false,
  unpaddedServerKey: false,
  signedServerKey: false,
  getSecretsIgnoresLock: false,
  getSecretsFailsOnMissing: false,
  refusesLockOfLocked: false,
  broadcastCompleted: false,
  gnomeInternalInterface: true,
};

/** A secret as it travels on the wire: the `(oayays)` struct, with names. */
export interface WireSecret {
  session: string;
  parameters: Uint8Array;
  value: Uint8Array;
  contentType: string;
}

/** What `hooks.onCall` decides for one incoming call. */
export type CallHookResult =
  /** Let the mock answer as usual. */
  | 'pass'
  /** Never answer (the caller's timeout is what gets tested). */
  | 'drop'
  /** Answer with this D-Bus error instead. */
  | { errorName: string; text: string }
  /** Answer with this reply instead (any signature, so a test can send the wrong one). */
  | { signature: string; body: unknown[] };

/** Where an outgoing secret is going, for `hooks.transformSecret`. */
export interface OutgoingSecretContext {
  /** `GetSecret` or `GetSecrets`. */
  member: string;
  item: string;
  sender: string;
}

/** Escape hatches for tests of a hostile or broken server. */
export interface MockHooks {
  /** Sees every method call before the mock does; may replace or suppress the reply (a promise delays it). */
  onCall?(message: IncomingMessage): CallHookResult | Promise<CallHookResult>;
  /** Rewrites every secret the mock sends (wrong IV length, bad padding, another session path…). */
  transformSecret?(secret: WireSecret, context: OutgoingSecretContext): WireSecret;
  /**
   * Rewrites the result of every prompt that completes without being dismissed (a creation that reports `/`, a
   * result of another type…); the work behind the prompt is done all the same.
   */
  transformPromptResult?(result: DBusVariant, promptPath: string): DBusVariant;
}

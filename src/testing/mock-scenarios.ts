/**
 * Ready-made settings for the mock Secret Service, to spread into `startMockSecretService({ address, ... })`: the
 * situations an app's keyring code must handle and a headless gnome-keyring cannot produce.
 */
import type { MockSecretServiceOptions } from './mock-service.js';

type MockPreset = Readonly<Partial<Omit<MockSecretServiceOptions, 'address'>>>;

export const mockScenarios = {
  /** Every prompt completes, as if the user confirmed it (unlock, create collection, delete…). */
  prompting: { prompts: 'complete' },
  /** Every prompt is dismissed, as if the user pressed Cancel: the calls fail with PromptDismissedException. */
  dismissing: { prompts: 'dismiss' },
  /** Prompts never end, like a dialog nobody answers: for testing timeouts and AbortSignals. */
  unanswered: { prompts: 'never' },
  /** The login keyring (alias `default`) starts locked; combine with `prompting` or `dismissing`. */
  locked: { collections: [{ id: 'login', label: 'Login', aliases: ['default'], locked: true }] },
  /** A service that offers only the `plain` transfer algorithm (no DH): secrets travel unencrypted on the bus. */
  plainOnly: { algorithms: ['plain'] },
  /**
   * KeePassXC's ways (2.7.4): prompts on CreateItem and Lock, no password unlocking. GetSecrets leaves out a locked
   * item (KeePassXC unexports items while the database is locked); checked against a real KeePassXC by
   * test/providers/mock-conformance.test.ts.
   */
  keepassxc: {
    promptOnCreateItem: true,
    promptOnLock: true,
    broadcastCompleted: true,
    gnomeInternalInterface: false,
  },
  /**
   * KWallet's ways (kwalletd5 5.103): its wallet `kdewallet` reported locked until a client unlocks it (through a
   * prompt, which completes without a dialog while the wallet is open), Lock of a locked collection refused with
   * InvalidArgs, GetSecrets returning secrets of a locked collection's items and failing (InvalidArgs) for a path
   * where no item is, the DH key in QCA's signed form (129
   * bytes when its top bit is set), no gnome-keyring interface. Checked against a real kwalletd5 by
   * test/providers/mock-conformance.test.ts.
   */
  kwallet: {
    collections: [{ id: 'kdewallet', label: 'kdewallet', aliases: ['default'], locked: true }],
    refusesLockOfLocked: true,
    getSecretsIgnoresLock: true,
    getSecretsFailsOnMissing: true,
    signedServerKey: true,
    gnomeInternalInterface: false,
  },
} as const satisfies Record<string, MockPreset>;

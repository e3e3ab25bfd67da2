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
  /** KeePassXC's ways: prompts on CreateItem and Lock, GetSecrets fails on a locked item, no password unlocking. */
  keepassxc: {
    promptOnCreateItem: true,
    promptOnLock: true,
    getSecretsFailsOnLocked: true,
    broadcastCompleted: true,
    gnomeInternalInterface: false,
  },
} as const satisfies Record<string, MockPreset>;

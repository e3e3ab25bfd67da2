/**
 * Test helpers, for users' own test suites and this project's: a private bus with a real gnome-keyring, KWallet or
 * KeePassXC (the last two under a virtual X display, their dialogs answered with xdotool), and a mock Secret Service
 * for what a headless server cannot do (hostile replies, some prompts, other servers' quirks).
 */
export {
  CRASH_LOOP,
  startHeadlessKeyring,
  type HeadlessKeyring,
  type HeadlessKeyringOptions,
  type KeyringExit,
} from './headless-keyring.js';
export { startPrivateBus, type PrivateBus, type PrivateBusOptions } from './private-bus.js';
export {
  DEFAULT_KEYRING_PASSWORD,
  startGnomeKeyring,
  type GnomeKeyring,
  type GnomeKeyringOptions,
} from './gnome-keyring.js';
export {
  DEFAULT_COLLECTIONS,
  startMockSecretService,
  type CallHookResult,
  type MockCallRecord,
  type MockCollectionFixture,
  type MockCollectionSnapshot,
  type MockHooks,
  type MockItemFixture,
  type MockItemSnapshot,
  type MockScenario,
  type MockSecretService,
  type MockSecretServiceOptions,
  type MockSessionSnapshot,
  type OutgoingSecretContext,
  type PromptBehaviour,
  type WireSecret,
} from './mock-service.js';
export { mockScenarios } from './mock-scenarios.js';
export type { DBusVariant, IncomingMessage, MessageType } from '../dbus/message.js';
/** Makes a D-Bus variant, for hook replies and prompt results that hold one (`variant('o', '/')`). */
export { variant } from '../dbus/codec.js';
export { startMockSecretPortal, type MockSecretPortal, type MockSecretPortalOptions } from './mock-portal.js';
export {
  SECRET_SERVICE_PROVIDERS,
  startHeadlessProvider,
  type HeadlessProvider,
  type HeadlessProviderOptions,
  type SecretServiceProvider,
} from './headless-provider.js';
export { KWALLET_WALLET, startKWallet, type KWallet, type KWalletOptions } from './kwallet.js';
export { KEEPASSXC_DATABASE, startKeePassXC, type KeePassXC, type KeePassXCOptions } from './keepassxc.js';
export type { ProviderStartOptions, RunningProvider } from './provider.js';
export { startXvfb, type VirtualDisplay } from './xvfb.js';
export { answerDialog, findDialogs, UNLOCK_DIALOG_TITLES, type AnswerDialogOptions } from './dialogs.js';

/**
 * Test helpers, for users' own test suites and this project's: a private bus with a real gnome-keyring, and a mock
 * Secret Service for what a headless gnome-keyring cannot do (prompts, locked keyrings, other servers' quirks).
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
export type { IncomingMessage, MessageType } from '../dbus/message.js';
export { startMockSecretPortal, type MockSecretPortal, type MockSecretPortalOptions } from './mock-portal.js';

/** Test helpers: a private bus with a real gnome-keyring, for users' own test suites and this project's. */
export { startHeadlessKeyring, type HeadlessKeyring, type HeadlessKeyringOptions } from './headless-keyring.js';
export { startPrivateBus, type PrivateBus, type PrivateBusOptions } from './private-bus.js';
export { startGnomeKeyring, type GnomeKeyring, type GnomeKeyringOptions } from './gnome-keyring.js';

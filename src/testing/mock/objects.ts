/**
 * How the mock describes an exported object: per interface, a table of methods (with their exact in/out
 * signatures) and properties. The dispatcher routes calls through these tables, so each interface file reads like the
 * spec's table of that interface.
 */
import { isVariant } from '../../dbus/codec.js';
import type { IncomingMessage } from '../../dbus/message.js';
import { DBusErrors, ServiceError } from './errors.js';
import type { PromptRegistry } from './prompts.js';
import type { MockHooks, MockScenario } from './scenario.js';
import { toWire, type MockSession, type SessionRegistry } from './sessions.js';
import type { MockItem, SecretStore } from './store.js';

/** Everything a method implementation may use. */
export interface MockContext {
  readonly store: SecretStore;
  readonly sessions: SessionRegistry;
  readonly prompts: PromptRegistry;
  /** Live: tests may change it between calls. */
  readonly scenario: MockScenario;
  readonly hooks: MockHooks;
}

export interface MethodCall {
  /** Unique bus name of the caller. */
  readonly sender: string;
  readonly args: unknown[];
  readonly message: IncomingMessage;
  /** Runs `work` once the reply is on the wire, so that e.g. `Completed` never overtakes the `Prompt()` reply. */
  afterReply(work: () => void): void;
}

export interface Method {
  /** The exact signature of the arguments; anything else gets InvalidArgs. */
  in: string;
  out: string;
  call(call: MethodCall): unknown[];
}

export interface Property {
  signature: string;
  get(): unknown;
  /** Absent for read-only properties. `value` already has `signature`. */
  set?(value: unknown): void;
}

export interface Interface {
  methods?: Record<string, Method>;
  properties?: Record<string, Property>;
}

/** Interface name → implementation. */
export type ExportedObject = Record<string, Interface>;

export const SERVICE_IFACE = 'org.freedesktop.Secret.Service';
export const COLLECTION_IFACE = 'org.freedesktop.Secret.Collection';
export const ITEM_IFACE = 'org.freedesktop.Secret.Item';
export const SESSION_IFACE = 'org.freedesktop.Secret.Session';
export const PROMPT_IFACE = 'org.freedesktop.Secret.Prompt';
export const GNOME_INTERNAL_IFACE = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface';

export const NO_OBJECT = '/';

/** Unix seconds as the `t` the wire needs. */
export function timestamp(seconds: number): bigint {
  return BigInt(seconds);
}

/**
 * Reads one entry of an `a{sv}` property dict (`CreateCollection`, `CreateItem`).
 * @throws ServiceError InvalidArgs when the variant holds another type.
 */
export function readProperty(properties: unknown, key: string, signature: string): unknown {
  const value = (properties as Record<string, unknown>)[key];
  if (value === undefined) return undefined;
  if (!isVariant(value) || value.signature !== signature) {
    throw new ServiceError(DBusErrors.invalidArgs, `${key} must be a variant of type ${signature}`);
  }
  return value.value;
}

/** A label from an `a{sv}` property dict; a missing label is an empty one. */
export function readLabel(properties: unknown, key: string): string {
  return (readProperty(properties, key, 's') as string | undefined) ?? '';
}

/** Copies a received `a{ss}` into a plain record (the codec hands dicts over as objects). */
export function readAttributes(value: unknown): Record<string, string> {
  return { ...(value as Record<string, string>) };
}

/** Encodes an item's secret for `session` and lets `hooks.transformSecret` corrupt it. */
export function outgoingSecret(
  context: MockContext,
  session: MockSession,
  item: MockItem,
  member: string,
  sender: string,
): [string, Buffer, Buffer, string] {
  let secret = context.sessions.encode(session, item.secret, item.contentType);
  if (context.hooks.transformSecret)
    secret = context.hooks.transformSecret(secret, { member, item: item.path, sender });
  return toWire(secret);
}

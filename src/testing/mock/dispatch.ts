/**
 * Routes an incoming method call to the object at its path (aliases resolved), checks the argument signature, runs
 * the method and replies. `hooks.onCall` sees every call first, so a test can make the service lie or go silent.
 */
import type { DBusConnection } from '../../dbus/connection.js';
import type { IncomingMessage } from '../../dbus/message.js';
import { collectionInterface } from './collection-interface.js';
import { DBusErrors, ServiceError } from './errors.js';
import { gnomeInternalInterface } from './gnome-internal-interface.js';
import { itemInterface } from './item-interface.js';
import {
  COLLECTION_IFACE,
  GNOME_INTERNAL_IFACE,
  ITEM_IFACE,
  PROMPT_IFACE,
  SERVICE_IFACE,
  SESSION_IFACE,
  type ExportedObject,
  type Method,
  type MockContext,
} from './objects.js';
import { peerInterface, propertiesInterface } from './properties-interface.js';
import type { CallHookResult } from './scenario.js';
import { serviceInterface } from './service-interface.js';
import { promptInterface, sessionInterface } from './session-prompt-interfaces.js';
import { SERVICE_PATH } from './store.js';

/** One call the mock received, for tests asserting what a client did. */
export interface MockCallRecord {
  sender: string;
  /** As sent, before alias resolution. */
  path: string;
  interface: string;
  member: string;
}

/** The object at `path` with all its interfaces, built from the current state; undefined when nothing lives there. */
export function objectAt(context: MockContext, path: string): ExportedObject | undefined {
  const resolved = context.store.resolvePath(path);
  let object: ExportedObject;
  if (resolved === SERVICE_PATH) {
    object = { [SERVICE_IFACE]: serviceInterface(context) };
    if (context.scenario.gnomeInternalInterface) object[GNOME_INTERNAL_IFACE] = gnomeInternalInterface(context);
  } else if (context.store.collection(resolved)) {
    object = { [COLLECTION_IFACE]: collectionInterface(context, context.store.collection(resolved)!) };
  } else if (context.store.item(resolved)) {
    object = { [ITEM_IFACE]: itemInterface(context, context.store.item(resolved)!) };
  } else if (context.sessions.has(resolved)) {
    object = { [SESSION_IFACE]: sessionInterface(context, resolved) };
  } else if (context.prompts.has(resolved)) {
    object = { [PROMPT_IFACE]: promptInterface(context, resolved) };
  } else {
    return undefined;
  }
  object['org.freedesktop.DBus.Properties'] = propertiesInterface({ ...object });
  object['org.freedesktop.DBus.Peer'] = peerInterface;
  return object;
}

/** The method `member` of `iface`, or of any interface when the call names none (the spec allows that). */
function findMethod(object: ExportedObject, iface: string | undefined, member: string): Method {
  const candidates = iface === undefined ? Object.values(object) : object[iface] ? [object[iface]] : [];
  for (const candidate of candidates) {
    const method = candidate.methods?.[member];
    if (method) return method;
  }
  // GDBus answers UnknownMethod for an unknown interface too; clients read both as "not there".
  throw new ServiceError(DBusErrors.unknownMethod, `No such method '${member}' in interface '${iface ?? ''}'`);
}

export class Dispatcher {
  readonly calls: MockCallRecord[] = [];

  constructor(
    private readonly context: MockContext,
    private readonly connection: DBusConnection,
  ) {}

  /** The `onMethodCall` handler: takes every call addressed to the mock's connection. */
  handle(message: IncomingMessage): boolean {
    const sender = message.sender ?? '';
    this.calls.push({
      sender,
      path: message.path ?? '',
      interface: message.interface ?? '',
      member: message.member ?? '',
    });
    let verdict: CallHookResult | Promise<CallHookResult>;
    try {
      verdict = this.context.hooks.onCall?.(message) ?? 'pass';
    } catch (error) {
      verdict = Promise.reject(error);
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (result) => this.apply(message, result),
        (error: unknown) =>
          this.connection.replyError(message, DBusErrors.failed, `onCall hook failed: ${String(error)}`),
      );
    } else {
      this.apply(message, verdict);
    }
    return true;
  }

  private apply(message: IncomingMessage, verdict: CallHookResult): void {
    if (verdict === 'pass') this.dispatch(message);
    else if (verdict === 'drop') return;
    else if ('errorName' in verdict) this.connection.replyError(message, verdict.errorName, verdict.text);
    else {
      try {
        this.connection.reply(message, verdict.signature, verdict.body);
      } catch (error) {
        // A hook's body that does not match its signature is a bug in the test, not a reply to send.
        this.connection.replyError(message, DBusErrors.failed, `onCall hook reply: ${(error as Error).message}`);
      }
    }
  }

  private dispatch(message: IncomingMessage): void {
    const afterReply: (() => void)[] = [];
    try {
      const path = message.path ?? '';
      const object = objectAt(this.context, path);
      if (!object) throw new ServiceError(DBusErrors.unknownObject, `No such object path '${path}'`);
      const method = findMethod(object, message.interface, message.member ?? '');
      if (message.signature !== method.in) {
        throw new ServiceError(
          DBusErrors.invalidArgs,
          `Type of message, '(${message.signature})', does not match expected type '(${method.in})'`,
        );
      }
      const body = method.call({
        sender: message.sender ?? '',
        args: message.body,
        message,
        afterReply: (work) => afterReply.push(work),
      });
      this.connection.reply(message, method.out, body);
    } catch (error) {
      if (error instanceof ServiceError) this.connection.replyError(message, error.errorName, error.message);
      else this.connection.replyError(message, DBusErrors.failed, `The mock failed: ${(error as Error).message}`);
      return;
    }
    for (const work of afterReply) work();
  }
}

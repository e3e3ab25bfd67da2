/**
 * What a connection listens to on the bus: match rules (counted, one `AddMatch` per distinct rule), signal listeners,
 * and the owners of the well-known names it calls or listens to, kept by the bus's own `NameOwnerChanged` signals and
 * never by anything another client sends. The connection hands it every signal's header to decide on.
 */
import { InvalidArgumentError, ProtocolError } from '../errors.js';
import { DBusMethodError, type CallOptions, type MethodCall, type Reply } from './call.js';
import { tryDecodeBody, type DecodedHeader } from './codec.js';
import type { BodyTaker } from './framing.js';
import type { IncomingMessage } from './message.js';
import { NameOwnerRecord, type OwnerChangeListener } from './name-owners.js';
import { BUS_NAME, BUS_PATH, isBusName, isUniqueName } from './names.js';
import { headerMatches, matchRule, type SignalFilter } from './signal-filter.js';

export type SignalListener = (message: IncomingMessage) => void;

/** What the subscriptions need of their connection. */
export interface BusLink {
  /** Calls the bus; `see` runs on the reply as soon as it is read, before any later message is dispatched. */
  call(call: MethodCall, options: CallOptions, see?: (reply: Reply) => void): Promise<Reply>;
  /** Sends a call without wanting a reply. */
  send(call: MethodCall): void;
  isClosed(): boolean;
  /** Fails the calls whose answer depends on `record`'s owners. */
  failCallsTo(record: NameOwnerRecord, error: Error): void;
  log?: (line: string) => void;
}

export class Subscriptions {
  private readonly matchRules = new Map<string, number>();
  private readonly signalListeners = new Set<{ filter: SignalFilter; listener: SignalListener }>();
  private readonly nameOwners = new Map<string, NameOwnerRecord>();

  constructor(private readonly bus: BusLink) {}

  /** How many match rules are held on the bus (for leak checks). */
  get matchRuleCount(): number {
    return this.matchRules.size;
  }

  /** Adds a match rule on the bus, once per distinct rule however many times it is added. */
  async addMatch(rule: string): Promise<void> {
    const count = this.matchRules.get(rule) ?? 0;
    this.matchRules.set(rule, count + 1);
    if (count > 0) return;
    try {
      await this.bus.call(busCall('AddMatch', rule), {});
    } catch (error) {
      this.dropMatchCount(rule);
      throw error;
    }
  }

  /** Releases one reference to a match rule, sending `RemoveMatch` when it was the last. */
  removeMatch(rule: string): void {
    if (!this.dropMatchCount(rule) || this.bus.isClosed()) return;
    this.bus.send(busCall('RemoveMatch', rule));
  }

  private dropMatchCount(rule: string): boolean {
    const count = this.matchRules.get(rule);
    if (count === undefined) return false;
    if (count > 1) {
      this.matchRules.set(rule, count - 1);
      return false;
    }
    this.matchRules.delete(rule);
    return true;
  }

  /** Calls `listener` for every signal `filter` matches from the sender it names; returns what stops it. */
  onSignal(filter: SignalFilter, listener: SignalListener): () => void {
    if (filter.sender !== BUS_NAME && !isUniqueName(filter.sender)) this.watchName(filter.sender);
    const entry = { filter, listener };
    this.signalListeners.add(entry);
    return () => this.signalListeners.delete(entry);
  }

  /**
   * Starts following who owns the well-known `name` (once per name): a match rule for its `NameOwnerChanged` from the
   * bus, then `GetNameOwner`, both sent at once, before any call to the name that this tick sends, so that the bus
   * answers them first. Replies to calls to the name are accepted only from its owners; its signals, from the
   * current one.
   * @throws InvalidArgumentError when `name` is not a bus name.
   */
  watchName(name: string): NameOwnerRecord {
    const known = this.nameOwners.get(name);
    if (known) return known;
    if (!isBusName(name))
      throw new InvalidArgumentError('bus name', `${JSON.stringify(name)} is not a D-Bus bus name.`);
    const rule =
      matchRule({ sender: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'NameOwnerChanged' }) +
      `,arg0='${name}'`;
    const watching = this.addMatch(rule);
    const lookup = this.bus
      .call(busCall('GetNameOwner', name), { replySignature: 's', describe: `GetNameOwner(${name})` }, (reply) => {
        const owner = reply.body[0] as string;
        if (!isUniqueName(owner)) throw new ProtocolError(`The bus named "${owner}" as the owner of ${name}.`);
        // A NameOwnerChanged read before this answer is older than it: the answer is the owner now.
        record.pin(owner);
      })
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof DBusMethodError && error.errorName === 'org.freedesktop.DBus.Error.NameHasNoOwner') {
            if (record.current === undefined) record.pin('');
            return;
          }
          throw error;
        },
      );
    const record = new NameOwnerRecord(Promise.all([watching, lookup]).then(() => undefined));
    record.ready.catch((error: Error) => {
      // Without the owner no reply to these calls could be believed: they fail with the reason. The next call or
      // subscription tries again.
      if (this.nameOwners.get(name) === record) this.nameOwners.delete(name);
      this.bus.failCallsTo(record, error);
    });
    this.nameOwners.set(name, record);
    return record;
  }

  /** The unique name that owns `name` now, as the bus says ('' when nobody does). */
  async nameOwner(name: string): Promise<string> {
    if (name === BUS_NAME || isUniqueName(name)) return name;
    const record = this.watchName(name);
    await record.ready;
    return record.current ?? '';
  }

  /** Calls `listener(oldOwner, newOwner)` when the bus says the owner of `name` changed; returns what stops it. */
  onNameOwnerChanged(name: string, listener: OwnerChangeListener): () => void {
    const record = this.watchName(name);
    record.listeners.add(listener);
    return () => record.listeners.delete(listener);
  }

  /** Whether a signal from `sender` is believed for `filter`: see {@link SignalFilter.sender}. */
  private isFrom(filter: SignalFilter, sender: string | undefined): boolean {
    if (sender === undefined) return false;
    if (filter.sender === sender) return true;
    if (filter.sender === BUS_NAME || isUniqueName(filter.sender)) return false;
    const current = this.nameOwners.get(filter.sender)?.current;
    return current !== undefined && current !== '' && current === sender;
  }

  /**
   * Decides on a signal's header whether anyone wants it; returns the function that takes its body (decodes it, keeps
   * name owners current, calls the listeners), or undefined to have it skipped unread.
   */
  dispatch(header: DecodedHeader): BodyTaker | undefined {
    const { message } = header;
    const isOwnerChange =
      message.sender === BUS_NAME &&
      message.path === BUS_PATH &&
      message.interface === BUS_NAME &&
      message.member === 'NameOwnerChanged' &&
      message.signature === 'sss';
    const wanted = [...this.signalListeners].filter(
      ({ filter }) => this.isFrom(filter, message.sender) && headerMatches(filter, message),
    );
    if (!wanted.length && !isOwnerChange) return undefined;
    return (body) => {
      const bodyError = tryDecodeBody(header, body);
      if (bodyError !== undefined) {
        this.bus.log?.(`dropped a ${message.interface}.${message.member} signal whose body is malformed`);
        return;
      }
      if (isOwnerChange) {
        const [name, oldOwner, newOwner] = message.body as [string, string, string];
        this.nameOwners.get(name)?.announce(oldOwner, newOwner);
      }
      // A listener that throws must not take the reader (and the process) down with it.
      for (const { listener } of wanted) {
        try {
          listener(message);
        } catch {
          // The listener's own bug; other listeners still get the signal.
        }
      }
    };
  }

  /** The connection has ended: nothing is listened to any more. */
  clear(): void {
    this.matchRules.clear();
    this.signalListeners.clear();
    this.nameOwners.clear();
  }
}

/** A call to the bus itself of `member`, with one string argument. */
function busCall(member: string, argument: string): MethodCall {
  return { destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member, signature: 's', body: [argument] };
}

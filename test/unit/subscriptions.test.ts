/**
 * A connection's subscriptions (src/dbus/subscriptions.ts), alone, over a fake link to the bus: counted match rules,
 * name owners as the bus reports them and only so, and which signals reach which listener. Through a real bus the
 * same is proven in test/integration/bus-trust.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DBusMethodError, type CallOptions, type MethodCall, type Reply } from '../../src/dbus/call.js';
import { decodeHeader, encodeMessage } from '../../src/dbus/codec.js';
import { MessageType, type IncomingMessage } from '../../src/dbus/message.js';
import type { NameOwnerRecord } from '../../src/dbus/name-owners.js';
import { BUS_NAME, BUS_PATH } from '../../src/dbus/names.js';
import { Subscriptions, type BusLink } from '../../src/dbus/subscriptions.js';
import { InvalidArgumentError, ProtocolError } from '../../src/errors.js';

interface SentCall {
  call: MethodCall;
  see?: (reply: Reply) => void;
  resolve(body: unknown[], signature?: string): void;
  reject(error: Error): void;
}

/** A link whose calls wait until the test answers them. */
class FakeBus implements BusLink {
  calls: SentCall[] = [];
  sent: MethodCall[] = [];
  failed: { record: NameOwnerRecord; error: Error }[] = [];
  logged: string[] = [];
  closedNow = false;
  log = (line: string) => this.logged.push(line);

  call(call: MethodCall, _options: CallOptions, see?: (reply: Reply) => void): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      this.calls.push({
        call,
        see,
        resolve: (body, signature = 's') => {
          const reply = { signature, body };
          try {
            see?.(reply);
          } catch (error) {
            reject(error as Error);
            return;
          }
          resolve(reply);
        },
        reject,
      });
    });
  }
  send(call: MethodCall): void {
    this.sent.push(call);
  }
  isClosed(): boolean {
    return this.closedNow;
  }
  failCallsTo(record: NameOwnerRecord, error: Error): void {
    this.failed.push({ record, error });
  }
  /** The pending call of `member`, taken out of the list. */
  take(member: string): SentCall {
    const index = this.calls.findIndex((c) => c.call.member === member);
    expect(index, `a pending ${member}`).toBeGreaterThanOrEqual(0);
    return this.calls.splice(index, 1)[0];
  }
}

/** A signal as the connection would hand it over: its decoded header and its body's bytes. */
function signal(
  fields: { sender: string; path: string; interface: string; member: string },
  signature = '',
  body: unknown[] = [],
) {
  const bytes = encodeMessage({ type: MessageType.Signal, serial: 7, ...fields, signature, body });
  const fieldsLength = bytes.readUInt32LE(12);
  const bodyStart = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8);
  const header = decodeHeader(bytes.subarray(0, 16), bytes.subarray(16, bodyStart));
  return { header, body: Buffer.from(bytes.subarray(bodyStart)) };
}

function ownerChanged(name: string, oldOwner: string, newOwner: string) {
  return signal({ sender: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'NameOwnerChanged' }, 'sss', [
    name,
    oldOwner,
    newOwner,
  ]);
}

const SERVICE = 'org.example.Service';
const ITEM_SIGNAL = { path: '/org/example', interface: 'org.example.Iface', member: 'Changed' };

/** Delivers a signal: returns whether it was taken (decoded) at all. */
function deliver(subscriptions: Subscriptions, message: ReturnType<typeof signal>): boolean {
  const taker = subscriptions.dispatch(message.header);
  taker?.(message.body);
  return taker !== undefined;
}

describe('subscriptions', () => {
  it('sends one AddMatch per distinct rule and RemoveMatch when its last holder lets go', async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const first = subscriptions.addMatch("type='signal',member='A'");
    const second = subscriptions.addMatch("type='signal',member='A'");
    expect(bus.calls.map((c) => c.call.member)).toEqual(['AddMatch']);
    bus.take('AddMatch').resolve([], '');
    await Promise.all([first, second]);
    expect(subscriptions.matchRuleCount).toBe(1);
    subscriptions.removeMatch("type='signal',member='A'");
    expect(bus.sent).toEqual([]);
    subscriptions.removeMatch("type='signal',member='A'");
    expect(bus.sent.map((c) => [c.member, c.body])).toEqual([['RemoveMatch', ["type='signal',member='A'"]]]);
    expect(subscriptions.matchRuleCount).toBe(0);
    subscriptions.removeMatch("type='signal',member='A'"); // one too many: nothing
    expect(bus.sent.length).toBe(1);
  });

  it('a failed AddMatch is not counted, so the next one is sent again; a closed link sends no RemoveMatch', async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const failing = subscriptions.addMatch("type='signal'");
    bus.take('AddMatch').reject(new DBusMethodError('org.freedesktop.DBus.Error.LimitsExceeded', 'too many'));
    await expect(failing).rejects.toBeInstanceOf(DBusMethodError);
    expect(subscriptions.matchRuleCount).toBe(0);
    const again = subscriptions.addMatch("type='signal'");
    bus.take('AddMatch').resolve([], '');
    await again;
    bus.closedNow = true;
    subscriptions.removeMatch("type='signal'");
    expect(bus.sent).toEqual([]);
  });

  it("follows a name's owner from GetNameOwner and the bus's NameOwnerChanged, never from another sender", async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const owner = subscriptions.nameOwner(SERVICE);
    expect(bus.calls.map((c) => c.call.member)).toEqual(['AddMatch', 'GetNameOwner']);
    expect(bus.calls[0].call.body![0]).toContain(`arg0='${SERVICE}'`);
    bus.take('AddMatch').resolve([], '');
    bus.take('GetNameOwner').resolve([':1.5']);
    expect(await owner).toBe(':1.5');
    const changes: string[][] = [];
    subscriptions.onNameOwnerChanged(SERVICE, (from, to) => changes.push([from, to]));
    // A NameOwnerChanged from anyone but the bus changes nothing.
    const forged = signal({ sender: ':1.66', path: BUS_PATH, interface: BUS_NAME, member: 'NameOwnerChanged' }, 'sss', [
      SERVICE,
      ':1.5',
      ':1.66',
    ]);
    expect(deliver(subscriptions, forged)).toBe(false);
    expect(await subscriptions.nameOwner(SERVICE)).toBe(':1.5');
    expect(deliver(subscriptions, ownerChanged(SERVICE, ':1.5', ':1.9'))).toBe(true);
    expect(await subscriptions.nameOwner(SERVICE)).toBe(':1.9');
    expect(changes).toEqual([[':1.5', ':1.9']]);
    expect(bus.calls).toEqual([]); // watched once
    expect(await subscriptions.nameOwner(':1.42')).toBe(':1.42');
    expect(await subscriptions.nameOwner(BUS_NAME)).toBe(BUS_NAME);
  });

  it("NameHasNoOwner is an owner of ''; a reply naming no unique name fails the watch and the calls waiting on it", async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const none = subscriptions.nameOwner(SERVICE);
    bus.take('AddMatch').resolve([], '');
    bus.take('GetNameOwner').reject(new DBusMethodError('org.freedesktop.DBus.Error.NameHasNoOwner', 'none'));
    expect(await none).toBe('');

    const other = 'org.example.Other';
    const record = subscriptions.watchName(other);
    const lookup = subscriptions.nameOwner(other);
    bus.take('AddMatch').resolve([], '');
    bus.take('GetNameOwner').resolve(['org.example.NotUnique']);
    await expect(lookup).rejects.toBeInstanceOf(ProtocolError);
    expect(bus.failed).toHaveLength(1);
    expect(bus.failed[0].record).toBe(record);
    expect(bus.failed[0].error).toBeInstanceOf(ProtocolError);
    // Forgotten: the next use asks the bus again (its match rule, added before, is still in place).
    void subscriptions.nameOwner(other).catch(() => undefined);
    expect(bus.calls.map((c) => c.call.member)).toEqual(['GetNameOwner']);
    expect(subscriptions.matchRuleCount).toBe(2);
  });

  it('refuses a name that is not a bus name, sending nothing', () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    expect(() => subscriptions.watchName("org.example',arg0='x")).toThrow(InvalidArgumentError);
    expect(() => subscriptions.onSignal({ sender: 'not a name' }, () => undefined)).toThrow(InvalidArgumentError);
    expect(bus.calls).toEqual([]);
  });

  it("delivers a well-known name's signals from its current owner only, and an unwanted signal is not decoded", async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const got: IncomingMessage[] = [];
    const stop = subscriptions.onSignal({ sender: SERVICE, ...ITEM_SIGNAL }, (message) => got.push(message));
    // Before the bus has said who owns the name, nobody's signal is believed.
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL }, 's', ['early']))).toBe(false);
    bus.take('AddMatch').resolve([], '');
    bus.take('GetNameOwner').resolve([':1.5']);
    await subscriptions.nameOwner(SERVICE);
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL }, 's', ['one']))).toBe(true);
    expect(deliver(subscriptions, signal({ sender: ':1.66', ...ITEM_SIGNAL }, 's', ['forged']))).toBe(false);
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL, member: 'Other' }))).toBe(false);
    deliver(subscriptions, ownerChanged(SERVICE, ':1.5', ':1.9'));
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL }, 's', ['stale']))).toBe(false);
    expect(deliver(subscriptions, signal({ sender: ':1.9', ...ITEM_SIGNAL }, 's', ['two']))).toBe(true);
    expect(got.map((m) => m.body[0])).toEqual(['one', 'two']);
    stop();
    expect(deliver(subscriptions, signal({ sender: ':1.9', ...ITEM_SIGNAL }, 's', ['three']))).toBe(false);
  });

  it('a listener that throws does not keep the signal from the others; a malformed body is logged and dropped', () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const got: unknown[] = [];
    subscriptions.onSignal({ sender: ':1.5' }, () => {
      throw new Error('a bug in a listener');
    });
    subscriptions.onSignal({ sender: ':1.5' }, (message) => got.push(message.body[0]));
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL }, 's', ['fine']))).toBe(true);
    expect(got).toEqual(['fine']);
    const broken = signal({ sender: ':1.5', ...ITEM_SIGNAL }, 's', ['x']);
    broken.body.writeUInt32LE(1000, 0); // a string longer than the body
    deliver(subscriptions, broken);
    expect(got).toEqual(['fine']);
    expect(bus.logged).toEqual(['dropped a org.example.Iface.Changed signal whose body is malformed']);
    expect(bus.calls).toEqual([]); // unique names need no watch
  });

  it('clear() forgets everything', async () => {
    const bus = new FakeBus();
    const subscriptions = new Subscriptions(bus);
    const got: unknown[] = [];
    subscriptions.onSignal({ sender: ':1.5' }, (message) => got.push(message));
    void subscriptions.addMatch("type='signal'");
    subscriptions.clear();
    expect(subscriptions.matchRuleCount).toBe(0);
    expect(deliver(subscriptions, signal({ sender: ':1.5', ...ITEM_SIGNAL }))).toBe(false);
  });
});

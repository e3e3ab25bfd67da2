import { describe, expect, it, vi } from 'vitest';
import { DBusConnection } from '../../src/dbus/connection.js';
import { spawn } from 'node:child_process';
import {
  Collection,
  ConnectionClosedError,
  ItemNotFoundException,
  NoBackendError,
  PromptDismissedException,
  SecretStorageError,
  createCollectionWithPassword,
  dbusInit,
  getDefaultCollection,
  getSecrets,
} from '../../src/index.js';
import { startHeadlessKeyring } from '../../src/testing/headless-keyring.js';
import { busMatchRuleCount } from '../helpers/bus-stats.js';
import { uniqueAttributes, useKeyring } from '../helpers/keyring.js';

describe('gnome-keyring killed and restarted', () => {
  const k = useKeyring({ restartKeyring: false }); // the tests kill the daemon and restart it themselves

  it('fails pending calls with a typed error when the daemon dies mid-call, then recovers after a restart', async () => {
    const conn = await k.connect();
    const collection = getDefaultCollection(conn);
    await collection.createItem('warm-up', uniqueAttributes(), 'x');
    const sessionBefore = (await conn.session()).path;
    const inFlight = Array.from({ length: 100 }, (_, i) => collection.createItem(`c${i}`, uniqueAttributes(), `s${i}`));
    k.keyring.processes.keyring.kill('SIGKILL');
    const outcomes = await Promise.allSettled(inFlight);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(SecretStorageError);
    }
    // Between the kill and the restart: no service.
    await expect(collection.getLabel()).rejects.toBeInstanceOf(NoBackendError);
    await k.keyring.restartKeyring();
    const item = await getDefaultCollection(conn).createItem('after restart', uniqueAttributes(), 'back');
    expect((await item.getSecret()).toString()).toBe('back');
    expect(await conn.session()).toBeDefined();
    expect(sessionBefore).toMatch(/^\/org\/freedesktop\/secrets\/session\//);
  });

  it('a restart between calls is invisible to the caller: a new session is opened', async () => {
    const conn = await k.connect();
    const attributes = uniqueAttributes();
    const item = await getDefaultCollection(conn).createItem('survivor', attributes, 'persisted');
    const before = await conn.session();
    await k.keyring.restartKeyring();
    expect((await item.getSecret()).toString()).toBe('persisted');
    expect(await conn.session()).not.toBe(before);
  });

  it('an unlock prompt that cannot be shown headlessly ends dismissed, not hung', async () => {
    const conn = await k.connect({ promptTimeoutMs: 10_000 });
    const collection = new Collection(conn, await createCollectionWithPassword(conn, 'Locked', 'pw'));
    await collection.lock();
    await expect(collection.unlock()).rejects.toBeInstanceOf(PromptDismissedException);
    await collection.unlock({ password: 'pw' });
  });
});

describe('the bus goes away', () => {
  it('fails pending and later calls with ConnectionClosedError, without unhandled rejections', async () => {
    const keyring = await startHeadlessKeyring();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const conn = await dbusInit({ address: keyring.address });
      const collection = getDefaultCollection(conn);
      await collection.createItem('x', uniqueAttributes(), 'x');
      const pending = Array.from({ length: 50 }, () => collection.getLabel());
      keyring.processes.bus.kill('SIGKILL');
      const outcomes = await Promise.allSettled(pending);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(NoBackendError);
      }
      await expect(collection.getLabel()).rejects.toBeInstanceOf(ConnectionClosedError);
      expect(conn.closed).toBe(true);
      await conn.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await keyring.stop();
    }
  });

  it('a process whose bus died can still exit on its own once it closes the connection', async () => {
    const keyring = await startHeadlessKeyring();
    try {
      const script = `
        import { dbusInit, getDefaultCollection } from ${JSON.stringify(new URL('../../dist/esm/index.js', import.meta.url).href)};
        const conn = await dbusInit({ address: process.argv[1] });
        await getDefaultCollection(conn).getLabel();
        process.send('ready');
        process.on('message', async () => {
          const error = await getDefaultCollection(conn).getLabel().catch((e) => e);
          console.log(error.name);
          await conn.close();
        });
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, keyring.address], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      keyring.processes.bus.kill('SIGKILL');
      await new Promise((resolve) => keyring.processes.bus.once('exit', resolve));
      child.send('go');
      child.disconnect();
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(out.trim()).toBe('ConnectionClosedError');
      expect(code).toBe(0);
    } finally {
      await keyring.stop();
    }
  });
});

describe('load: nothing lost, nothing leaked', () => {
  const k = useKeyring();

  it('messages sent just before close() still leave, also a burst corked in the same tick', async () => {
    const receiver = await DBusConnection.open(k.address);
    const sender = await DBusConnection.open(k.address);
    try {
      const received: unknown[] = [];
      await receiver.addMatch(`type='signal',sender='${sender.uniqueName}',interface='org.example.Close'`);
      receiver.onSignal({ sender: sender.uniqueName }, (message) => received.push(message.body[0]));
      for (let i = 0; i < 50; i++) sender.emitSignal('/org/example', 'org.example.Close', 'Sent', 'u', [i]);
      await sender.close();
      // A ping after them on the receiver's side: the bus has delivered everything it got from the sender by then.
      await receiver.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus.Peer',
        member: 'Ping',
      });
      await vi.waitFor(() => expect(received).toEqual(Array.from({ length: 50 }, (_, i) => i)));
    } finally {
      await receiver.close();
    }
  });

  it('call deadlines: a short one after long ones fails first, answered calls are untouched, close fails the rest', async () => {
    // A peer that answers Echo at once and never answers Hang.
    const peer = await DBusConnection.open(k.address);
    const caller = await DBusConnection.open(k.address);
    try {
      peer.onMethodCall((message) => {
        if (message.member === 'Hang') return true;
        if (message.member !== 'Echo') return false;
        peer.reply(message, 's', [message.body[0]]);
        return true;
      });
      const call = (member: string, timeoutMs?: number, body: unknown[] = []) =>
        caller.call(
          {
            destination: peer.uniqueName,
            path: '/org/example',
            interface: 'org.example.Deadlines',
            member,
            signature: body.length ? 's' : '',
            body,
          },
          { timeoutMs },
        );
      const settled: string[] = [];
      const outcome = (name: string, promise: Promise<unknown>) =>
        promise.then(
          () => settled.push(`${name} answered`),
          (error: Error) => settled.push(`${name} ${error.constructor.name}`),
        );
      const long = outcome('long', call('Hang', 600_000));
      const forever = outcome('forever', call('Hang'));
      const short = outcome('short', call('Hang', 50));
      // Calls answered while the deadline timer is set for the short one, and after it fired: each gets its reply.
      const echoes = Promise.all(
        Array.from({ length: 20 }, (_, i) => call('Echo', 10_000 + i, [`e${i}`]).then((reply) => reply.body[0])),
      );
      expect(await echoes).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
      await short;
      expect(settled).toEqual(['short TimeoutException']);
      expect((await call('Echo', 10_000, ['after'])).body).toEqual(['after']);
      await caller.close();
      await Promise.all([long, forever]);
      expect(settled.slice(1).sort()).toEqual(['forever ConnectionClosedError', 'long ConnectionClosedError']);
    } finally {
      await Promise.all([caller.close(), peer.close()]);
    }
  });

  it('1,000 concurrent creates, reads, updates and deletes on one connection leave every item as last written', async () => {
    const conn = await k.connect();
    const collection = getDefaultCollection(conn);
    const base = uniqueAttributes();
    const items = await Promise.all(
      Array.from({ length: 250 }, (_, i) => collection.createItem(`item ${i}`, { ...base, n: String(i) }, `v0-${i}`)),
    );
    const expected = new Map(items.map((item, i) => [item.itemPath, `v0-${i}`]));
    const deleted = new Set<string>();
    const operations: Promise<unknown>[] = [];
    // Reads race the updates and deletes on purpose: a read sees the old or the new value, or (for a deleted item)
    // ItemNotFoundException; never another item's value.
    const read = (promise: Promise<Buffer | string>, i: number, pattern: RegExp) =>
      promise.then(
        (value) => expect(value.toString()).toMatch(pattern),
        (error: unknown) => {
          expect(i % 3).toBe(1);
          expect(error).toBeInstanceOf(ItemNotFoundException);
        },
      );
    items.forEach((item, i) => {
      operations.push(read(item.getSecret(), i, new RegExp(`^v[01]-${i}$`)));
      operations.push(read(item.getLabel(), i, new RegExp(`^item ${i}$`)));
      if (i % 3 === 0) {
        operations.push(item.setSecret(`v1-${i}`));
        expected.set(item.itemPath, `v1-${i}`);
      } else if (i % 3 === 1) {
        operations.push(item.delete());
        deleted.add(item.itemPath);
        expected.delete(item.itemPath);
      } else {
        operations.push(collection.createItem(`extra ${i}`, { ...base, extra: String(i) }, `extra-${i}`));
      }
      operations.push(
        read(
          item.getAttributes().then((attributes) => attributes.n),
          i,
          new RegExp(`^${i}$`),
        ),
      );
    });
    expect(operations.length).toBe(1000);
    await Promise.all(operations);
    const remaining = await collection.searchItems(base);
    const secrets = await getSecrets(conn, remaining);
    for (const [path, value] of expected) expect(secrets.get(path)?.toString()).toBe(value);
    for (const path of deleted) expect(secrets.has(path)).toBe(false);
    const extras = [...secrets.entries()].filter(([path]) => !expected.has(path));
    expect(extras.map(([, value]) => value.toString()).sort()).toEqual(
      items
        .map((_, i) => i)
        .filter((i) => i % 3 === 2)
        .map((i) => `extra-${i}`)
        .sort(),
    );
  });

  // Its time is the machine's, not a measure: 1,000 of its operations are keyring file rewrites, which a busy
  // 2-core machine can make several times slower.
  it('20,000 sequential operations keep memory and match rules flat', async () => {
    const conn = await k.connect();
    const collection = getDefaultCollection(conn);
    const item = await collection.createItem('soak', uniqueAttributes(), 'soak');
    // Mostly reads: gnome-keyring rewrites its keyring file on every write, which would dominate the run.
    const operation = (i: number) =>
      i % 20 === 0
        ? item.setSecret(`soak-${i}`)
        : i % 4 === 1
          ? item.getSecret()
          : i % 4 === 2
            ? item.getLabel()
            : collection.searchItems({ soak: 'none' });
    for (let i = 0; i < 2000; i++) await operation(i);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const rulesBefore = await busMatchRuleCount(k.address, conn.bus.uniqueName);
    for (let i = 0; i < 18_000; i++) await operation(i);
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    const rulesAfter = await busMatchRuleCount(k.address, conn.bus.uniqueName);
    expect(rulesAfter).toBe(rulesBefore);
    expect(conn.bus.matchRuleCount).toBe(rulesBefore);
    expect(conn.bus.pendingCallCount).toBe(0);
    // Generous bound: a leak of even 1 KiB per operation would add 18 MB.
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
  }, 600_000);
});

/**
 * Concurrent Item.getSecret calls on one connection are merged into Service.GetSecrets (src/secret-reads.ts), and
 * every read still ends exactly as its own GetSecret would: on gnome-keyring, and on the mock for what it cannot do
 * (servers without GetSecrets, KeePassXC's all-or-nothing batch, items locked or deleted in the middle).
 */
import { describe, expect, it } from 'vitest';
import {
  Collection,
  ConnectionClosedError,
  Item,
  ItemNotFoundException,
  ProtocolError,
  TimeoutException,
  createCollectionWithPassword,
  getDefaultCollection,
} from '../../src/index.js';
import { useKeyring, uniqueAttributes } from '../helpers/keyring.js';
import { useMock } from '../helpers/mock.js';

const text = (secret: Buffer) => secret.toString('utf8');

describe('merged secret reads on gnome-keyring', () => {
  const k = useKeyring();

  it('200 concurrent reads (some of the same item) each get their own secret, in far fewer messages', async () => {
    const lines: string[] = [];
    const conn = await k.connect({ debug: (line) => lines.push(line) });
    const collection = getDefaultCollection(conn);
    const items: Item[] = [];
    for (let i = 0; i < 50; i++) {
      items.push(await collection.createItem(`merged ${i}`, uniqueAttributes({ n: String(i) }), `secret-${i}`));
    }
    lines.length = 0;
    const reads = Array.from({ length: 200 }, (_, i) => i % 50);
    const secrets = await Promise.all(reads.map((i) => new Item(conn, items[i].itemPath).getSecret()));
    expect(secrets.map(text)).toEqual(reads.map((i) => `secret-${i}`));
    const calls = lines.filter((line) => /^call (Item\.GetSecret|Service\.GetSecrets) /.test(line));
    expect(calls.some((line) => line.startsWith('call Service.GetSecrets'))).toBe(true);
    expect(calls.length).toBeLessThan(20);
    // Each reader owns its buffer: wiping one leaves the others (same item) intact.
    secrets[0].fill(0);
    expect(text(secrets[50])).toBe('secret-0');
    await Promise.all(items.map((item) => item.delete()));
  });

  it('a lone read is one Service.GetSecrets (cheaper for gnome-keyring than the item’s own GetSecret)', async () => {
    const lines: string[] = [];
    const conn = await k.connect({ debug: (line) => lines.push(line) });
    const item = await getDefaultCollection(conn).createItem('lone', uniqueAttributes(), 'alone');
    lines.length = 0;
    expect(text(await item.getSecret())).toBe('alone');
    expect(lines.filter((line) => line.startsWith('call '))).toEqual([
      expect.stringMatching(/^call Service\.GetSecrets on /),
    ]);
    await item.delete();
  });

  it('reads merged with a locked and a deleted item fail for those alone, with the errors GetSecret gives', async () => {
    const conn = await k.connect();
    const login = getDefaultCollection(conn);
    const open = await login.createItem('open', uniqueAttributes(), 'readable');
    const gone = await login.createItem('gone', uniqueAttributes(), 'deleted');
    const vault = new Collection(conn, await createCollectionWithPassword(conn, 'Merged vault', 'vault-password'));
    const shut = await vault.createItem('shut', uniqueAttributes(), 'locked away');
    await vault.lock();
    await gone.delete();
    const results = await Promise.allSettled([
      open.getSecret(),
      open.getSecret(),
      shut.getSecret(),
      gone.getSecret(),
      open.getSecret(),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? text(r.value) : (r.reason as Error).name))).toEqual([
      'readable',
      'readable',
      'LockedException',
      'ItemNotFoundException',
      'readable',
    ]);
    await open.delete();
  });
  it('a read started before a change on the same connection sees the item as it was: waiting reads go out first', async () => {
    const conn = await k.connect();
    const login = getDefaultCollection(conn);
    const item = await login.createItem('ordered', uniqueAttributes(), 'before');
    const doomed = await login.createItem('doomed', uniqueAttributes(), 'still here');
    // The first read goes out alone; the others wait for it, and would have left after the changes made meanwhile
    // (a moment later: calls started in the same tick without awaiting are not ordered, as in any async API).
    const reads = [item.getSecret(), item.getSecret(), doomed.getSecret()];
    await new Promise((resolve) => setImmediate(resolve));
    const changes = [item.setSecret('after'), doomed.delete()];
    expect((await Promise.all(reads)).map(text)).toEqual(['before', 'before', 'still here']);
    await Promise.all(changes);
    expect(text(await item.getSecret())).toBe('after');
    await expect(doomed.getSecret()).rejects.toBeInstanceOf(ItemNotFoundException);
    await item.delete();
  });
});

describe('merged secret reads on other servers (mock service)', () => {
  const m = useMock({
    collections: [
      {
        id: 'login',
        label: 'Login',
        aliases: ['default'],
        items: Array.from({ length: 6 }, (_, i) => ({
          label: `m${i}`,
          attributes: { service: 'merged', n: String(i) },
          secret: `mock-${i}`,
        })),
      },
      {
        id: 'vault',
        label: 'Vault',
        locked: true,
        items: [{ label: 'v', attributes: { service: 'vault' }, secret: 'in vault' }],
      },
    ],
  });
  const PATHS = Array.from({ length: 6 }, (_, i) => `/org/freedesktop/secrets/collection/login/${i + 1}`);
  const readAll = (paths: string[]) =>
    Promise.allSettled(paths.map((path) => new Item(m.conn, path).getSecret().then(text)));
  const outcome = (results: PromiseSettledResult<string>[]) =>
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name));

  it('merges concurrent reads into GetSecrets', async () => {
    expect(m.mock.item(PATHS[0])).toBeDefined();
    await m.conn.session();
    m.mock.resetCalls();
    expect(outcome(await readAll(PATHS))).toEqual(PATHS.map((_, i) => `mock-${i}`));
    expect(m.mock.callCount('GetSecret')).toBe(0);
    // The first read alone, then the five that started while it was outstanding.
    expect(m.mock.callCount('GetSecrets')).toBe(2);
  });

  it('KeePassXC refuses the whole batch for one locked item: the others are read one by one', async () => {
    m.mock.scenario.getSecretsFailsOnLocked = true;
    const locked = '/org/freedesktop/secrets/collection/vault/1';
    const results = outcome(await readAll([PATHS[0], PATHS[1], locked, PATHS[2]]));
    expect(results).toEqual(['mock-0', 'mock-1', 'LockedException', 'mock-2']);
  });

  it('a service without GetSecrets: every read is its own GetSecret, and the batch is not tried again', async () => {
    m.mock.hooks.onCall = (message) =>
      message.member === 'GetSecrets'
        ? { errorName: 'org.freedesktop.DBus.Error.UnknownMethod', text: 'No such method GetSecrets' }
        : 'pass';
    expect(outcome(await readAll(PATHS))).toEqual(PATHS.map((_, i) => `mock-${i}`));
    expect(outcome(await readAll(PATHS))).toEqual(PATHS.map((_, i) => `mock-${i}`));
    expect(m.mock.callCount('GetSecrets')).toBe(1);
    expect(m.mock.callCount('GetSecret')).toBe(PATHS.length * 2);
    expect(await new Item(m.conn, PATHS[0]).getSecret().then(text)).toBe('mock-0');
    expect(m.mock.callCount('GetSecrets')).toBe(1);
  });

  it('a batch reply with a secret for another session is refused for that read, as GetSecret’s would be', async () => {
    m.mock.hooks.transformSecret = (secret, context) =>
      context.item === PATHS[3] ? { ...secret, session: '/org/freedesktop/secrets/session/forged' } : secret;
    const results = await readAll(PATHS);
    expect(outcome(results)[3]).toBe('ProtocolError');
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(ProtocolError);
    expect(outcome(results).filter((r) => r.startsWith('mock-'))).toHaveLength(5);
  });

  it('a batch the service never answers: every read fails with the call timeout, without a retry per read', async () => {
    const conn = await m.connect({ callTimeoutMs: 300 });
    await conn.session();
    m.mock.hooks.onCall = (message) => (message.member === 'GetSecrets' ? 'drop' : 'pass');
    const results = await Promise.allSettled(PATHS.map((path) => new Item(conn, path).getSecret()));
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'read'))).toEqual(
      PATHS.map(() => 'TimeoutException'),
    );
    // The lone first read, then (if their deadlines, a moment later than its call's, had not passed when it timed
    // out) one batch of the others with what was left of their time: none retried read by read.
    expect(m.mock.callCount('GetSecrets')).toBeLessThanOrEqual(2);
    expect(m.mock.callCount('GetSecret')).toBe(0);
  });

  it('a read keeps its own deadline however many calls it takes: a slow batch, then a GetSecret that never returns', async () => {
    const conn = await m.connect({ callTimeoutMs: 400 });
    await conn.session();
    const locked = '/org/freedesktop/secrets/collection/vault/1';
    // GetSecrets answers late (within the deadline) without the locked item; its GetSecret is never answered.
    m.mock.hooks.onCall = (message) =>
      message.member === 'GetSecrets'
        ? new Promise((resolve) => setTimeout(() => resolve('pass'), 200))
        : message.member === 'GetSecret'
          ? 'drop'
          : 'pass';
    const results = await Promise.allSettled([new Item(conn, locked).getSecret(), new Item(conn, locked).getSecret()]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as Error;
      expect(error).toBeInstanceOf(TimeoutException);
      // The read's own deadline (each call alone kept within 400 ms), or its last call's, which got only what was
      // left of the 400 ms: whichever timer fires first, the read ends by its deadline.
      const left = /got no reply within (\d+) ms/.exec(error.message)?.[1];
      if (left === undefined) expect(error.message).toMatch(/Reading the secret of .*vault\/1 took longer than 400 ms/);
      else expect(Number(left)).toBeLessThan(400);
    }
  });

  it('the connection closing under a waiting batch fails every read with ConnectionClosedError', async () => {
    const conn = await m.connect();
    await conn.session();
    m.mock.hooks.onCall = (message) => (message.member === 'GetSecrets' ? 'drop' : 'pass');
    const reads = Promise.allSettled(PATHS.map((path) => new Item(conn, path).getSecret()));
    while (m.mock.callCount('GetSecrets') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await conn.close();
    const results = await reads;
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectionClosedError)).toBe(true);
  });

  it('an item another client deletes while its read waits for the batch: ItemNotFoundException for it alone', async () => {
    // Another connection: a delete on the reads' own one would send the waiting reads before it.
    const other = await m.connect();
    let deleted = false;
    m.mock.hooks.onCall = async (message) => {
      if (message.member === 'GetSecrets' && !deleted) {
        deleted = true;
        await new Item(other, PATHS[4]).delete();
      }
      return 'pass';
    };
    const results = await readAll(PATHS);
    expect(outcome(results)).toEqual(['mock-0', 'mock-1', 'mock-2', 'mock-3', 'ItemNotFoundException', 'mock-5']);
    expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(ItemNotFoundException);
  });
});

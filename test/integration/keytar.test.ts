/**
 * The keytar drop-in (`secretstorage/keytar`) against keytar's own behaviour: its five functions and results, its
 * exact Linux format checked with libsecret's generic schema (what keytar calls, through Python gi), and the package
 * entry points for `import` and `require`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Collection,
  InvalidArgumentError,
  LockedException,
  createCollectionWithPassword,
  searchItems,
} from '../../src/index.js';
import keytar, * as named from '../../src/keytar.js';
import { DEFAULT_COLLECTION, noPasswordCollections, skipOn, storedAttributes, useKeyring } from '../helpers/keyring.js';
import { python } from '../helpers/peer-tools.js';

const GENERIC = 'org.freedesktop.Secret.Generic';
let counter = 0;
const uniqueService = () => `keytar-${process.pid}-${++counter}`;

describe('secretstorage/keytar on gnome-keyring', () => {
  const k = useKeyring();
  let saved: string | undefined;
  // keytar takes no options: like keytar, the drop-in finds the session bus in the environment.
  beforeAll(() => {
    saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  });
  const libsecret = (op: 'get' | 'set' | 'delete' | 'find', service: string, user?: string, password?: string) =>
    k
      .peerStep(() => python(k.address, [{ tool: 'libsecret', op, service, user, password }]))
      .then(([result]) => result);

  it('has keytar’s five functions, as named exports and as the default export', () => {
    const names = ['getPassword', 'setPassword', 'deletePassword', 'findPassword', 'findCredentials'];
    expect(Object.keys(keytar).sort()).toEqual([...names].sort());
    for (const name of names) expect(keytar[name as keyof typeof keytar]).toBe(named[name as keyof typeof named]);
  });

  it('missing things resolve to null, false and [] as in keytar', async () => {
    const service = uniqueService();
    expect(await keytar.getPassword(service, 'nobody')).toBeNull();
    expect(await keytar.deletePassword(service, 'nobody')).toBe(false);
    expect(await keytar.findPassword(service)).toBeNull();
    expect(await keytar.findCredentials(service)).toEqual([]);
  });

  it('an empty or missing argument throws at once, before any promise, as keytar’s checkRequired does', () => {
    expect(() => keytar.getPassword('', 'a')).toThrow(InvalidArgumentError);
    expect(() => keytar.getPassword('s', '')).toThrow(/account/);
    expect(() => keytar.setPassword('s', 'a', '')).toThrow(/password/);
    expect(() => keytar.deletePassword(undefined as never, 'a')).toThrow(/service/);
    expect(() => keytar.findPassword('')).toThrow(InvalidArgumentError);
    expect(() => keytar.findCredentials(null as never)).toThrow(InvalidArgumentError);
    expect(() => keytar.getPassword('s', [] as never)).toThrow(InvalidArgumentError); // keytar: length <= 0
  });

  it('any other non-string throws keytar’s own TypeError at once, word for word, without reading the value', () => {
    const hostile = {
      toString() {
        throw new Error('read');
      },
    };
    const typeError = (call: () => unknown, message: string) => {
      expect(call).toThrow(TypeError);
      expect(call).toThrow(message);
    };
    typeError(() => keytar.setPassword(hostile as never, 'a', 'p'), "Parameter 'service' must be a string");
    typeError(() => keytar.setPassword('s', hostile as never, 'p'), "Parameter 'username' must be a string");
    typeError(() => keytar.setPassword('s', 'a', 987654321 as never), "Parameter 'password' must be a string");
    typeError(() => keytar.getPassword('s', 42 as never), "Parameter 'username' must be a string");
    typeError(() => keytar.deletePassword(true as never, 'a'), "Parameter 'service' must be a string");
    typeError(() => keytar.findPassword(Symbol('s') as never), "Parameter 'service' must be a string");
    typeError(() => keytar.findCredentials(['s'] as never), "Parameter 'service' must be a string");
  });

  it('setPassword writes exactly keytar’s item, which libsecret’s generic-schema lookup reads', async () => {
    const service = uniqueService();
    await keytar.setPassword(service, 'alice', 'pw ✓');
    const [item] = await searchItems(k.conn, { service });
    expect(item.itemPath.startsWith(`${DEFAULT_COLLECTION}/`)).toBe(true);
    expect(await item.getLabel()).toBe(`${service}/alice`);
    expect(storedAttributes(await item.getAttributes())).toEqual({ service, account: 'alice', 'xdg:schema': GENERIC });
    expect(await libsecret('get', service, 'alice')).toBe('pw ✓');
  });

  it.skipIf(
    !!skipOn({
      keepassxc:
        "libsecret's password_store over an existing item hangs on KeePassXC 2.7.4 (seen without this library)",
    }),
  )('reads, replaces and deletes what keytar (libsecret) stored, leaving one item', async () => {
    const service = uniqueService();
    expect(await libsecret('set', service, 'bob', 'by libsecret')).toBe(true);
    expect(await keytar.getPassword(service, 'bob')).toBe('by libsecret');
    await keytar.setPassword(service, 'bob', 'by the drop-in');
    expect(await searchItems(k.conn, { service })).toHaveLength(1);
    expect(await libsecret('get', service, 'bob')).toBe('by the drop-in');
    await libsecret('set', service, 'bob', 'by libsecret again');
    expect(await searchItems(k.conn, { service })).toHaveLength(1);
    expect(await keytar.getPassword(service, 'bob')).toBe('by libsecret again');
    expect(await keytar.deletePassword(service, 'bob')).toBe(true);
    expect(await libsecret('get', service, 'bob')).toBeNull();
    await keytar.setPassword(service, 'bob', 'x');
    expect(await libsecret('delete', service, 'bob')).toBe(true);
    expect(await keytar.getPassword(service, 'bob')).toBeNull();
  });

  it('findCredentials and findPassword see what keytar’s findCredentials (secret_service_search) sees', async () => {
    const service = uniqueService();
    await keytar.setPassword(service, 'zed', 'pz');
    await libsecret('set', service, 'amy', 'pa');
    const theirs = (await libsecret('find', service)) as [string, string][];
    expect(theirs).toEqual([
      ['amy', 'pa'],
      ['zed', 'pz'],
    ]);
    expect(await keytar.findCredentials(service)).toEqual(theirs.map(([account, password]) => ({ account, password })));
    expect(['pa', 'pz']).toContain(await keytar.findPassword(service));
  });

  it.skipIf(noPasswordCollections)(
    'a password in a locked collection rejects with LockedException instead of resolving null',
    async () => {
      const service = uniqueService();
      const vault = new Collection(k.conn, await createCollectionWithPassword(k.conn, 'Keytar vault', 'pw'));
      await vault.createItem(`${service}/carl`, { service, account: 'carl', 'xdg:schema': GENERIC }, 'locked away');
      await vault.lock();
      await expect(keytar.getPassword(service, 'carl')).rejects.toBeInstanceOf(LockedException);
      await expect(keytar.findCredentials(service)).rejects.toBeInstanceOf(LockedException);
    },
  );
});

describe('the secretstorage/keytar and secretstorage/keyring entry points (built package)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const node = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: root, encoding: 'utf8' });

  it('`require` and `import` both give keytar’s functions, and the keyring API', async () => {
    const probe = 'typeof k.getPassword, typeof k.findCredentials, typeof r.getPassword, typeof r.findCredentials';
    const cjs = await node([
      '-e',
      `const k = require('secretstorage/keytar'); const r = require('secretstorage/keyring'); console.log(${probe})`,
    ]);
    expect(cjs.stdout.trim()).toBe('function function function function');
    const esm = await node([
      '--input-type=module',
      '-e',
      `import k from 'secretstorage/keytar'; import * as r from 'secretstorage/keyring'; console.log(${probe})`,
    ]);
    expect(esm.stdout.trim()).toBe('function function function function');
  });
});

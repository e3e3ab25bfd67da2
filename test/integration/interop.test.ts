/**
 * Proven interop on one real gnome-keyring: this library's three profiles, keytar's exact libsecret calls (through
 * Python gi), Python keyring, Python SecretStorage, secret-tool and @napi-rs/keyring each write, and all the others
 * read, in separate processes on the same private bus. Then the update case: set by one, changed by another, read by
 * the first, with no second item left behind. The peer tools' steps go through `k.peerStep`: gnome-keyring 42 aborts
 * now and then under one of them (it is restarted and the step run again, the daemon's output printed); this
 * library's own steps never are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { searchItems } from '../../src/index.js';
import { getPassword, setPassword, type ProfileName } from '../../src/keyring/index.js';
import keytar from '../../src/keytar.js';
import { useKeyring } from '../helpers/keyring.js';
import { napi, python, secretTool } from '../helpers/peer-tools.js';

/** keyring: `service` + `username` (Python keyring, keyring-rs, @napi-rs); keytar: `service` + `account` + schema. */
type Family = 'keyring' | 'keytar';

interface Writer {
  name: string;
  family: Family;
  /** Another tool, not this library. */
  peer: boolean;
  set(address: string, service: string, user: string, password: string): Promise<unknown>;
}

const lib = (profile: ProfileName): Writer => ({
  name: `secretstorage (${profile})`,
  family: profile === 'keytar' ? 'keytar' : 'keyring',
  peer: false,
  set: (address, service, user, password) => setPassword(service, user, password, { address, profile }),
});

const WRITERS: Writer[] = [
  lib('python-keyring'),
  lib('keyring-rs'),
  lib('keytar'),
  {
    name: 'Python keyring',
    family: 'keyring',
    peer: true,
    set: (a, s, u, p) => python(a, [{ tool: 'keyring', op: 'set', service: s, user: u, password: p }]),
  },
  {
    name: 'Python SecretStorage',
    family: 'keyring',
    peer: true,
    set: (a, s, u, p) =>
      python(a, [
        { tool: 'secretstorage', op: 'set', attributes: { service: s, username: u }, label: `${u}@${s}`, password: p },
      ]),
  },
  {
    name: 'keytar (libsecret generic schema)',
    family: 'keytar',
    peer: true,
    set: (a, s, u, p) => python(a, [{ tool: 'libsecret', op: 'set', service: s, user: u, password: p }]),
  },
  {
    name: 'secret-tool',
    family: 'keyring',
    peer: true,
    set: (a, s, u, p) => secretTool.store(a, `${u} on ${s}`, { service: s, username: u }, p),
  },
  {
    name: '@napi-rs/keyring',
    family: 'keyring',
    peer: true,
    set: (a, s, u, p) => napi(a, [{ op: 'set', service: s, user: u, password: p }]),
  },
];

const USER = 'alice';
const serviceOf = (writer: Writer) => `interop-${process.pid}-${writer.name.replace(/[^a-z0-9]+/gi, '-')}`;
const passwordOf = (writer: Writer) => `pw from ${writer.name} ✓`;

describe('each tool writes, every other tool reads (one gnome-keyring, separate processes)', () => {
  const k = useKeyring();

  beforeAll(async () => {
    for (const writer of WRITERS) {
      const set = () => writer.set(k.address, serviceOf(writer), USER, passwordOf(writer));
      await (writer.peer ? k.peerStep(set) : set());
    }
  });

  const expectReads = (read: (writer: Writer) => unknown, readsFamily: (family: Family) => boolean) => {
    for (const writer of WRITERS) {
      expect({ writer: writer.name, read: read(writer) }).toEqual({
        writer: writer.name,
        read: readsFamily(writer.family) ? passwordOf(writer) : null,
      });
    }
  };

  it('this library reads every tool’s item, in each profile, and through the keytar drop-in', async () => {
    for (const profile of ['python-keyring', 'keyring-rs', 'keytar'] as const) {
      const reads = new Map<Writer, string | null>();
      for (const writer of WRITERS)
        reads.set(writer, await getPassword(serviceOf(writer), USER, { address: k.address, profile }));
      expectReads(
        (writer) => reads.get(writer),
        () => true,
      );
    }
    const previous = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = k.address;
    try {
      const reads = await Promise.all(WRITERS.map((writer) => keytar.getPassword(serviceOf(writer), USER)));
      expectReads(
        (writer) => reads[WRITERS.indexOf(writer)],
        () => true,
      );
    } finally {
      if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
    }
  });

  it('Python keyring reads the keyring family (service + username), not keytar’s items', async () => {
    expect(await k.peerStep(() => python(k.address, [{ tool: 'keyring', op: 'backend' }]))).toEqual([
      'keyring.backends.SecretService.Keyring',
    ]);
    const reads = await k.peerStep(() =>
      python(
        k.address,
        WRITERS.map((w) => ({ tool: 'keyring', op: 'get', service: serviceOf(w), user: USER })),
      ),
    );
    expectReads(
      (writer) => reads[WRITERS.indexOf(writer)],
      (family) => family === 'keyring',
    );
  });

  it('@napi-rs/keyring reads the keyring family, with getPassword and findCredentials', async () => {
    const reads = await k.peerStep(() =>
      napi(
        k.address,
        WRITERS.map((w) => ({ op: 'get', service: serviceOf(w), user: USER })),
      ),
    );
    expectReads(
      (writer) => reads[WRITERS.indexOf(writer)],
      (family) => family === 'keyring',
    );
    const found = await k.peerStep(() =>
      napi(
        k.address,
        WRITERS.map((w) => ({ op: 'find', service: serviceOf(w) })),
      ),
    );
    expectReads(
      (writer) => (found[WRITERS.indexOf(writer)] as [string, string][]).find(([user]) => user === USER)?.[1] ?? null,
      (family) => family === 'keyring',
    );
  });

  it('keytar’s own libsecret lookup reads keytar-format items only', async () => {
    const reads = await k.peerStep(() =>
      python(
        k.address,
        WRITERS.map((w) => ({ tool: 'libsecret', op: 'get', service: serviceOf(w), user: USER })),
      ),
    );
    expectReads(
      (writer) => reads[WRITERS.indexOf(writer)],
      (family) => family === 'keytar',
    );
  });

  it('Python SecretStorage and secret-tool find every item by its family’s attributes', async () => {
    const attributesOf = (writer: Writer) =>
      writer.family === 'keytar'
        ? { service: serviceOf(writer), account: USER }
        : { service: serviceOf(writer), username: USER };
    const reads = await k.peerStep(() =>
      python(
        k.address,
        WRITERS.map((w) => ({ tool: 'secretstorage', op: 'get', attributes: attributesOf(w) })),
      ),
    );
    expectReads(
      (writer) => reads[WRITERS.indexOf(writer)],
      () => true,
    );
    const lookups = await k.peerStep(() =>
      Promise.all(WRITERS.map((writer) => secretTool.lookup(k.address, attributesOf(writer)))),
    );
    expectReads(
      (writer) => lookups[WRITERS.indexOf(writer)],
      () => true,
    );
  });
});

interface Actor {
  name: string;
  /** Another tool, not this library. */
  peer?: true;
  set(address: string, service: string, password: string): Promise<unknown>;
  get(address: string, service: string): Promise<unknown>;
}

const libActor = (profile: ProfileName): Actor => ({
  name: `secretstorage (${profile})`,
  set: (address, service, password) => setPassword(service, USER, password, { address, profile }),
  get: (address, service) => getPassword(service, USER, { address, profile }),
});

const ACTORS = {
  libPython: libActor('python-keyring'),
  libRs: libActor('keyring-rs'),
  libKeytar: libActor('keytar'),
  pythonKeyring: {
    name: 'Python keyring',
    peer: true,
    set: (a, s, p) => python(a, [{ tool: 'keyring', op: 'set', service: s, user: USER, password: p }]),
    get: async (a, s) => (await python(a, [{ tool: 'keyring', op: 'get', service: s, user: USER }]))[0],
  },
  secretStorage: {
    name: 'Python SecretStorage',
    peer: true,
    set: (a, s, p) =>
      python(a, [
        { tool: 'secretstorage', op: 'set', attributes: { service: s, username: USER }, label: s, password: p },
      ]),
    get: async (a, s) =>
      (await python(a, [{ tool: 'secretstorage', op: 'get', attributes: { service: s, username: USER } }]))[0],
  },
  libsecretKeytar: {
    name: 'keytar (libsecret)',
    peer: true,
    set: (a, s, p) => python(a, [{ tool: 'libsecret', op: 'set', service: s, user: USER, password: p }]),
    get: async (a, s) => (await python(a, [{ tool: 'libsecret', op: 'get', service: s, user: USER }]))[0],
  },
  secretTool: {
    name: 'secret-tool',
    peer: true,
    set: (a, s, p) => secretTool.store(a, s, { service: s, username: USER }, p),
    get: (a, s) => secretTool.lookup(a, { service: s, username: USER }),
  },
  napi: {
    name: '@napi-rs/keyring',
    peer: true,
    set: (a, s, p) => napi(a, [{ op: 'set', service: s, user: USER, password: p }]),
    get: async (a, s) => (await napi(a, [{ op: 'get', service: s, user: USER }]))[0],
  },
} satisfies Record<string, Actor>;

const UPDATES: [Actor, Actor][] = [
  [ACTORS.pythonKeyring, ACTORS.libPython],
  [ACTORS.libPython, ACTORS.pythonKeyring],
  [ACTORS.napi, ACTORS.libRs],
  [ACTORS.libRs, ACTORS.napi],
  [ACTORS.napi, ACTORS.libPython],
  [ACTORS.libPython, ACTORS.napi],
  [ACTORS.libsecretKeytar, ACTORS.libKeytar],
  [ACTORS.libKeytar, ACTORS.libsecretKeytar],
  [ACTORS.secretTool, ACTORS.libRs],
  [ACTORS.libRs, ACTORS.secretTool],
  [ACTORS.secretStorage, ACTORS.libPython],
  [ACTORS.libRs, ACTORS.secretStorage],
  [ACTORS.pythonKeyring, ACTORS.napi],
];

// One at a time: a peer's step may take the daemon down (see the top), which must not fail another test's steps.
describe('set by one tool, changed by another, read by the first: one item, the new password', () => {
  const k = useKeyring();
  const by = <T>(actor: Actor, step: () => Promise<T>) => (actor.peer ? k.peerStep(step) : step());
  UPDATES.forEach(([first, second], index) => {
    it(`${first.name} → ${second.name} → ${first.name}`, async () => {
      const service = `update-${process.pid}-${index}`;
      await by(first, () => first.set(k.address, service, 'first ✓'));
      await by(second, () => second.set(k.address, service, 'second ✓'));
      expect(await by(first, () => first.get(k.address, service))).toBe('second ✓');
      expect(await by(second, () => second.get(k.address, service))).toBe('second ✓');
      expect(await searchItems(k.conn, { service })).toHaveLength(1);
    });
  });
});

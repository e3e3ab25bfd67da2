#!/usr/bin/env node
// @ts-check
/**
 * Where a `get` spends its time, measured in isolation, for deciding what (if anything) to replace in the core:
 * - the D-Bus codec (dbus-next's marshaller, as src/dbus/codec.ts uses it) encoding and decoding the very messages a
 *   get, a set and a bulk read exchange;
 * - the transfer crypto (AES per secret, the DH exchange per session), and Node's native DH for comparison;
 * - what a cold process spends importing, connecting and opening the session;
 * - one round trip to a real gnome-keyring: raw pre-encoded bytes on a socket (no codec at all), this library's
 *   transport (src/dbus/connection.ts), jeepney, and a whole get through the public API.
 * usage: npm run bench:profile [-- --n 2000]   (needs the build in dist/)
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync, getDiffieHellman } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { decodeMessage, encodeMessage, variant } from '../dist/esm/dbus/codec.js';
import { DBusConnection } from '../dist/esm/dbus/connection.js';
import { authenticate } from '../dist/esm/dbus/sasl.js';
import { deriveSessionKey, generateKeyPair } from '../dist/esm/crypto/dh.js';
import { dbusInit, getDefaultCollection, searchItems } from '../dist/esm/index.js';
import { Session as TransferSession } from '../dist/esm/session.js';
import { ALGORITHM_DH } from '../dist/esm/defines.js';
import { startHeadlessKeyring } from '../dist/esm/testing/index.js';
import { PYTHON } from './clients.mjs';
import { formatMs } from './report.mjs';
import { median } from './stats.mjs';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' } } });
const N = Number(values.n);
const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const SESSION_PATH = '/org/freedesktop/secrets/session/s1';
const ITEM_PATH = '/org/freedesktop/secrets/collection/login/42';
const SECRET_PROPERTIES_GET = {
  type: METHOD_CALL,
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.DBus.Properties',
  member: 'Get',
  signature: 'ss',
  body: ['org.freedesktop.Secret.Service', 'Collections'],
};

/**
 * Median microseconds per call of `fn`, over batches (the first batch warms the JIT up and is dropped), and CPU.
 * @param {() => unknown} fn @param {number} perBatch
 */
function time(fn, perBatch = 200) {
  const batches = [];
  const cpu0 = process.cpuUsage();
  let calls = 0;
  for (let batch = 0; batch < 21; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) fn();
    if (batch > 0) batches.push(Number(process.hrtime.bigint() - start) / 1e3 / perBatch);
    calls += perBatch;
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: median(batches), cpuUs: (cpu.user + cpu.system) / calls };
}

/** A reply as the bus delivers it, split the way src/dbus/connection.ts splits a frame. @param {string} signature @param {unknown[]} body */
function replyFrame(signature, body) {
  const bytes = encodeMessage({
    type: METHOD_RETURN,
    serial: 7,
    replySerial: 3,
    destination: ':1.5',
    signature,
    body,
  });
  return { fixed: bytes.subarray(0, 16), rest: bytes.subarray(16), bytes: bytes.length };
}

/** @param {{ fixed: Buffer, rest: Buffer }} frame */
function decode(frame) {
  const decoded = decodeMessage(frame.fixed, frame.rest);
  decoded.decodeBody();
  return decoded.message;
}

/** @param {string[]} header @param {string[][]} rows */
function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i ? '--:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** @param {number} us */
const micro = (us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));

function codecSection() {
  const key = new Uint8Array(16).fill(7);
  const session = new TransferSession(SESSION_PATH, ALGORITHM_DH, key);
  const secret = Buffer.from('secret-123');
  const struct = session.encode(secret, 'text/plain');
  const bulkReply = Object.fromEntries(
    Array.from({ length: 1000 }, (_, i) => [
      `/org/freedesktop/secrets/collection/login/${i + 1}`,
      session.encode(secret, 'text/plain'),
    ]),
  );
  const frames = {
    search: replyFrame('aoao', [[ITEM_PATH], []]),
    getSecret: replyFrame('(oayays)', [struct]),
    properties: replyFrame('v', [
      variant('ao', ['/org/freedesktop/secrets/collection/login', '/org/freedesktop/secrets/collection/session']),
    ]),
    bulk: replyFrame('a{o(oayays)}', [bulkReply]),
  };
  const call = (/** @type {Record<string, unknown>} */ fields) => () =>
    encodeMessage(/** @type {any} */ ({ serial: 3, ...fields }));
  const rows = [
    ['encode Properties.Get call (ss)', call(SECRET_PROPERTIES_GET)],
    ['decode its reply (v of ao, 2 paths)', () => decode(frames.properties), frames.properties.bytes],
    [
      'encode Service.SearchItems call (a{ss}, 2 attributes)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets',
        interface: 'org.freedesktop.Secret.Service',
        member: 'SearchItems',
        signature: 'a{ss}',
        body: [{ service: 'bench-this', username: 'user42' }],
      }),
    ],
    ['decode its reply (aoao, 1 path)', () => decode(frames.search), frames.search.bytes],
    [
      'encode Item.GetSecret call (o)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: ITEM_PATH,
        interface: 'org.freedesktop.Secret.Item',
        member: 'GetSecret',
        signature: 'o',
        body: [SESSION_PATH],
      }),
    ],
    ['decode its reply ((oayays), 16-byte secret)', () => decode(frames.getSecret), frames.getSecret.bytes],
    ['AES-128-CBC decrypt + unpad one secret (Session.decode)', () => session.decode(struct, 'profile')],
    ['AES-128-CBC pad + encrypt one secret (Session.encode)', () => session.encode(secret, 'text/plain')],
    [
      'encode Collection.CreateItem call (a{sv}(oayays)b)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets/collection/login',
        interface: 'org.freedesktop.Secret.Collection',
        member: 'CreateItem',
        signature: 'a{sv}(oayays)b',
        body: [
          {
            'org.freedesktop.Secret.Item.Label': variant('s', 'bench 42'),
            'org.freedesktop.Secret.Item.Attributes': variant('a{ss}', { service: 'bench-this', username: 'user42' }),
          },
          struct,
          true,
        ],
      }),
    ],
  ].map(([name, fn, bytes]) => {
    const { us, cpuUs } = time(/** @type {() => unknown} */ (fn));
    return [/** @type {string} */ (name), bytes ? String(bytes) : '', micro(us), micro(cpuUs)];
  });
  const bulk = time(() => decode(frames.bulk), 3);
  rows.push([
    'decode a GetSecrets reply of 1,000 secrets (a{o(oayays)})',
    String(frames.bulk.bytes),
    micro(bulk.us),
    micro(bulk.cpuUs),
  ]);
  const bulkDecrypt = time(() => {
    for (const value of Object.values(bulkReply)) session.decode(value, 'profile');
  }, 3);
  rows.push(['decrypt those 1,000 secrets', '', micro(bulkDecrypt.us), micro(bulkDecrypt.cpuUs)]);

  const serverPublicKey = generateKeyPair().publicKey;
  const ours = time(() => deriveSessionKey(generateKeyPair().privateKey, serverPublicKey), 2);
  rows.push([
    'DH, our side of one session today (2 × 1024-bit modexp in BigInt: key pair + shared secret)',
    '',
    micro(ours.us),
    micro(ours.cpuUs),
  ]);
  const checkedGroup = time(() => getDiffieHellman('modp2'), 2);
  rows.push([
    "node:crypto getDiffieHellman('modp2') alone (Node checks the group: paid once per process)",
    '',
    micro(checkedGroup.us),
    micro(checkedGroup.cpuUs),
  ]);
  // KeyObject DH skips that check; the server's key would be imported as SPKI DER (built from its 128 bytes).
  // @types/node has no overload for 'dh' key pairs, which Node has supported since 15.
  const generateDhKeyPair =
    /** @type {(type: 'dh', options: { group: string }) => import('node:crypto').KeyPairKeyObjectResult} */ (
      /** @type {unknown} */ (generateKeyPairSync)
    );
  const serverDer = generateDhKeyPair('dh', { group: 'modp2' }).publicKey.export({ type: 'spki', format: 'der' });
  const keyObjects = time(() => {
    const { privateKey } = generateDhKeyPair('dh', { group: 'modp2' });
    diffieHellman({ privateKey, publicKey: createPublicKey({ key: serverDer, format: 'der', type: 'spki' }) });
  }, 2);
  rows.push([
    "the same with node:crypto KeyObjects (generateKeyPairSync('dh', { group: 'modp2' }) + diffieHellman)",
    '',
    micro(keyObjects.us),
    micro(keyObjects.cpuUs),
  ]);
  return table(['work, in isolation', 'bytes', 'µs (median)', 'CPU µs'], rows);
}

/**
 * The same get, batch after batch in one fresh process: how much of a short run's client CPU is V8 compiling the hot
 * paths (in background threads too, which process.cpuUsage counts) rather than the steady cost.
 * @param {string} address
 */
function warmUpSection(address) {
  const script = `
    const lib = await import(${JSON.stringify(new URL('../dist/esm/index.js', import.meta.url).href)});
    const conn = await lib.dbusInit();
    const batches = [];
    for (let batch = 0; batch < 8; batch++) {
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < 300; i++) {
        const [item] = await lib.searchItems(conn, { service: 'bench-profile', username: 'user' });
        await item.getSecret();
      }
      const cpu = process.cpuUsage(cpu0);
      batches.push([(performance.now() - start) / 300, (cpu.user + cpu.system) / 1000 / 300]);
    }
    await conn.close();
    console.log(JSON.stringify(batches));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`warm-up profile failed: ${child.stderr}`);
  /** @type {[number, number][]} */
  const batches = JSON.parse(child.stdout);
  const rows = batches.map(([wall, cpu], index) => [
    `gets ${formatCount(index * 300 + 1)}–${formatCount((index + 1) * 300)}`,
    formatMs(wall),
    formatMs(cpu),
  ]);
  return table(['one fresh process, 300 gets at a time', 'wall ms per get', 'client CPU ms per get'], rows);
}

/** @param {number} count */
const formatCount = (count) => count.toLocaleString('en-US');

/** Imports and first calls of a cold process, measured in a fresh child process each time. */
function coldSection(/** @type {string} */ address) {
  const script = `
    const t0 = performance.now();
    const marks = [];
    const mark = (name) => marks.push([name, performance.now()]);
    await import(${JSON.stringify(new URL('../dist/esm/dbus/codec.js', import.meta.url).href)}); mark('import the D-Bus codec (dbus-next marshaller)');
    await import(${JSON.stringify(new URL('../dist/esm/dbus/connection.js', import.meta.url).href)}); mark('import the transport');
    await import(${JSON.stringify(new URL('../dist/esm/crypto/dh.js', import.meta.url).href)}); mark('import the DH code (@noble/hashes, @noble/curves)');
    await import(${JSON.stringify(new URL('../dist/esm/crypto/aes-cbc.js', import.meta.url).href)}); mark('import AES (@noble/ciphers)');
    const lib = await import(${JSON.stringify(new URL('../dist/esm/index.js', import.meta.url).href)}); mark('import the rest of the library');
    const conn = await lib.dbusInit(); mark('dbusInit: connect, authenticate, Hello');
    await conn.session(); mark('open the encrypted session (AddMatch, DH, OpenSession)');
    const [item] = await lib.searchItems(conn, { service: 'bench-cold', username: 'user' }); mark('SearchItems');
    await item.getSecret(); mark('GetSecret');
    await conn.close(); mark('close');
    let last = t0;
    console.log(JSON.stringify(marks.map(([name, at]) => { const ms = at - last; last = at; return [name, ms]; })));
  `;
  /** @type {Map<string, number[]>} */
  const samples = new Map();
  for (let run = 0; run < 9; run++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`cold-start profile failed: ${child.stderr}`);
    for (const [name, ms] of JSON.parse(child.stdout)) samples.set(name, [...(samples.get(name) ?? []), ms]);
  }
  const boot = spawnSync(process.execPath, ['-e', 'console.log(performance.now())'], { encoding: 'utf8' });
  const rows = [
    ['Node start-up until user code runs (`performance.now()` at the first line)', formatMs(Number(boot.stdout))],
  ];
  for (const [name, list] of samples) rows.push([name, formatMs(median(list))]);
  return table(['cold process, step by step (median of 9)', 'ms'], rows);
}

/**
 * The bare minimum round trip from Node: pre-encoded Properties.Get bytes written to an authenticated socket, replies
 * only framed (never decoded). What is left is the socket, the event loop and the daemons.
 * @param {string} address
 */
async function rawSocketRoundTrips(address) {
  const socket = connect({ path: address.replace(/^unix:path=/, '').split(',')[0] });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  await authenticate(socket, ['EXTERNAL']);
  /** @type {(() => void) | undefined} */
  let waiting;
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 16) {
      const total = 16 + ((pending.readUInt32LE(12) + 7) & ~7) + pending.readUInt32LE(4);
      if (pending.length < total) break;
      const type = pending[1];
      pending = pending.subarray(total);
      if (type === METHOD_RETURN || type === 3) waiting?.();
    }
  });
  const roundTrip = (/** @type {Buffer} */ bytes) =>
    new Promise((resolve) => {
      waiting = () => resolve(undefined);
      socket.write(bytes);
    });
  await roundTrip(
    encodeMessage({
      type: METHOD_CALL,
      serial: 1,
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'Hello',
    }),
  );
  const request = encodeMessage({ ...SECRET_PROPERTIES_GET, serial: 2 });
  const result = await timeRoundTrips(() => roundTrip(request));
  socket.destroy();
  return result;
}

/** @param {() => Promise<unknown>} call */
async function timeRoundTrips(call) {
  for (let i = 0; i < 50; i++) await call();
  const samples = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: median(samples), cpuMs: (cpu.user + cpu.system) / 1000 / N };
}

/** @param {string} address */
async function roundTripSection(address) {
  const rows = [];
  const raw = await rawSocketRoundTrips(address);
  rows.push(['raw socket, pre-encoded bytes, no decoding (Node)', formatMs(raw.ms), formatMs(raw.cpuMs)]);

  const bus = await DBusConnection.open(address);
  const transport = await timeRoundTrips(() => bus.call(SECRET_PROPERTIES_GET));
  await bus.close();
  rows.push([
    "this library's transport (src/dbus/connection.ts: encode, frame, decode)",
    formatMs(transport.ms),
    formatMs(transport.cpuMs),
  ]);

  const jeepney = spawnSync(
    PYTHON,
    [
      fileURLToPath(new URL('./clients/python-peers.py', import.meta.url)),
      'jeepney',
      'floor',
      JSON.stringify({ n: N }),
    ],
    {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
      encoding: 'utf8',
    },
  );
  if (jeepney.status === 0) {
    const line = JSON.parse(jeepney.stdout.trim().split('\n').pop() ?? '{}');
    rows.push(['jeepney (Python, blocking)', formatMs(median(line.samples_ms)), formatMs(line.cpu_ms / line.n)]);
  } else {
    rows.push(['jeepney (Python, blocking)', 'not available', '']);
  }

  const conn = await dbusInit({ address });
  const collection = getDefaultCollection(conn);
  await collection.createItem('profile', { service: 'bench-profile', username: 'user' }, 'profile-secret', {
    replace: true,
  });
  const get = await timeRoundTrips(async () => {
    const [item] = await searchItems(conn, { service: 'bench-profile', username: 'user' });
    await item.getSecret();
  });
  rows.push([
    'a whole get through the public API (SearchItems + GetSecret: 2 round trips)',
    formatMs(get.ms),
    formatMs(get.cpuMs),
  ]);
  await collection.createItem('bench cold start', { service: 'bench-cold', username: 'user' }, 'cold-secret', {
    replace: true,
  });
  await conn.close();
  return table([`one call to gnome-keyring (median of ${N})`, 'wall ms', 'client CPU ms'], rows);
}

/**
 * Where the client's CPU goes in a loop of calls, from V8's sampling profiler: self time grouped by who spends it.
 * @param {() => Promise<unknown>} call
 */
async function profileCalls(call) {
  const session = new Session();
  session.connect();
  for (let i = 0; i < 50; i++) await call();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  for (let i = 0; i < N; i++) await call();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  /** @type {Map<number, number>} */
  const sampled = new Map();
  profile.samples?.forEach((id, index) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas?.[index] ?? 0)));
  /** @type {Map<string, number>} */
  const byCategory = new Map();
  for (const node of profile.nodes) {
    const category = categorise(node.callFrame.url, node.callFrame.functionName);
    if (category) byCategory.set(category, (byCategory.get(category) ?? 0) + (sampled.get(node.id) ?? 0) / 1000 / N);
  }
  return byCategory;
}

const CATEGORIES = [
  'D-Bus codec (dbus-next marshaller and its deps, src/dbus/codec)',
  'transport bookkeeping (src/dbus/connection)',
  'library above the transport (service, item, session, validation)',
  'transfer crypto (AES, src/crypto)',
  'socket write system calls',
  'Node internals (streams, buffers, promises, timers)',
  'garbage collection',
  'other (V8, native)',
];

/** @param {string} url @param {string} name @returns {string | undefined} */
function categorise(url, name) {
  if (name === '(idle)') return undefined;
  if (name === '(garbage collector)') return CATEGORIES[6];
  if (/node_modules\/(dbus-next|@nornagon|long|jsbi|safe-buffer)\/|dist\/esm\/dbus\/codec\.js/.test(url))
    return CATEGORIES[0];
  if (url.includes('dist/esm/dbus/')) return CATEGORIES[1];
  if (/node_modules\/@noble\/|dist\/esm\/crypto\//.test(url)) return CATEGORIES[3];
  if (url.includes('dist/esm/')) return CATEGORIES[2];
  if (!url && /^write/.test(name)) return CATEGORIES[4];
  if (url.startsWith('node:')) return CATEGORIES[5];
  return CATEGORIES[7];
}

/** @param {string} address */
async function cpuProfileSection(address) {
  const bus = await DBusConnection.open(address);
  const roundTrip = await profileCalls(() => bus.call(SECRET_PROPERTIES_GET));
  await bus.close();
  const conn = await dbusInit({ address });
  const get = await profileCalls(async () => {
    const [item] = await searchItems(conn, { service: 'bench-profile', username: 'user' });
    await item.getSecret();
  });
  await conn.close();
  /** @param {Map<string, number>} map */
  const total = (map) => [...map.values()].reduce((sum, ms) => sum + ms, 0);
  const rows = CATEGORIES.map((category) => [
    category,
    formatMs(roundTrip.get(category) ?? 0),
    formatMs(get.get(category) ?? 0),
  ]);
  rows.push(['**total client CPU**', formatMs(total(roundTrip)), formatMs(total(get))]);
  return table(
    [`client CPU by where it is spent (V8 sampling profile of ${N} calls)`, 'ms per round trip', 'ms per get'],
    rows,
  );
}

const keyring = await startHeadlessKeyring();
try {
  process.stdout.write(`# Where a get spends its time (${new Date().toISOString()}, Node ${process.version})\n\n`);
  process.stdout.write(`${codecSection()}\n\n`);
  process.stdout.write(`${await roundTripSection(keyring.address)}\n\n`);
  process.stdout.write(`${await cpuProfileSection(keyring.address)}\n\n`);
  process.stdout.write(`${warmUpSection(keyring.address)}\n\n`);
  process.stdout.write(`${coldSection(keyring.address)}\n`);
} finally {
  await keyring.stop();
}

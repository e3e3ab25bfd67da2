// @ts-check
/**
 * One call to a real gnome-keyring, from the bottom up: raw pre-encoded bytes on a socket (no codec at all), this
 * library's transport (src/dbus/connection.ts), jeepney, and a whole get through the public API; then where the
 * client's CPU goes in those calls, from V8's sampling profiler.
 */
import { Session } from 'node:inspector/promises';
import { generateKeyPair } from '../../dist/esm/crypto/dh.js';
import { variant } from '../../dist/esm/dbus/codec.js';
import { DBusConnection } from '../../dist/esm/dbus/connection.js';
import { dbusInit, searchItems } from '../../dist/esm/index.js';
import { FLOORS } from '../clients.mjs';
import { rawConnection, rawGets } from '../raw-connection.mjs';
import { runClient } from '../run-client.mjs';
import { formatMs, table } from '../markdown.mjs';
import { median } from '../stats.mjs';
import { PROFILE_ATTRIBUTES, PROPERTIES_GET } from './messages.mjs';

/**
 * The bare minimum round trip from Node: pre-encoded Properties.Get bytes, replies only framed. What is left is the
 * socket, the event loop and the daemons.
 * @param {string} address @param {number} n
 */
async function rawSocketRoundTrips(address, n) {
  const raw = await rawConnection(address);
  const request = raw.encode(PROPERTIES_GET);
  const result = await timeRoundTrips(() => raw.roundTrip(request), n);
  raw.close();
  return result;
}

/** The bare minimum get: see rawGets. @param {string} address @param {number} n */
async function rawSocketGets(address, n) {
  const raw = await rawGets(address, [PROFILE_ATTRIBUTES]);
  const result = await timeRoundTrips(() => raw.get(0), n);
  raw.close();
  return result;
}

/** Median wall time of `n` calls (after 50 untimed ones) and the client's CPU per call. @param {() => Promise<unknown>} call @param {number} n */
async function timeRoundTrips(call, n) {
  for (let i = 0; i < 50; i++) await call();
  const samples = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: median(samples), cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

/**
 * Medians of `n` calls of each kind, with the client's CPU per call. Reads the item at PROFILE_ATTRIBUTES.
 * @param {string} address @param {number} n
 */
export async function roundTripSection(address, n) {
  const rows = [];
  const raw = await rawSocketRoundTrips(address, n);
  rows.push(['raw socket, pre-encoded bytes, no decoding (Node)', formatMs(raw.ms), formatMs(raw.cpuMs)]);

  const bus = await DBusConnection.open(address);
  const transport = await timeRoundTrips(() => bus.call(PROPERTIES_GET), n);
  rows.push([
    "this library's transport (src/dbus/connection.ts: encode, frame, decode)",
    formatMs(transport.ms),
    formatMs(transport.cpuMs),
  ]);

  // OpenSession with a key pair made beforehand: what is timed is gnome-keyring's side of the DH exchange (its key pair
  // and the shared secret) and one round trip. Every session is closed again, untimed.
  const { publicKey } = generateKeyPair();
  /** @type {string[]} */
  const sessions = [];
  const openSession = await timeRoundTrips(
    async () => {
      const reply = await bus.call({
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets',
        interface: 'org.freedesktop.Secret.Service',
        member: 'OpenSession',
        signature: 'sv',
        body: ['dh-ietf1024-sha256-aes128-cbc-pkcs7', variant('ay', Buffer.from(publicKey))],
      });
      sessions.push(/** @type {string} */ (reply.body[1]));
    },
    Math.ceil(n / 10),
  );
  for (const path of sessions) {
    await bus.call({
      destination: 'org.freedesktop.secrets',
      path,
      interface: 'org.freedesktop.Secret.Session',
      member: 'Close',
    });
  }
  rows.push([
    `Service.OpenSession with a ready DH key: the daemon's side of the exchange (median of ${Math.ceil(n / 10)})`,
    formatMs(openSession.ms),
    formatMs(openSession.cpuMs),
  ]);
  await bus.close();

  const jeepney = FLOORS.find((floor) => floor.id === 'jeepney');
  try {
    if (!jeepney) throw new Error('no jeepney floor in bench/clients.mjs');
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
    const [line] = await runClient(jeepney.command('floor', { n }), env, 120_000);
    rows.push([jeepney.label, formatMs(median(line.samples_ms ?? [])), formatMs(line.cpu_ms / line.n)]);
  } catch (error) {
    rows.push(['jeepney (Python, blocking)', `not available (${/** @type {Error} */ (error).message})`, '']);
  }

  const rawGet = await rawSocketGets(address, n);
  rows.push([
    'a get as raw pre-encoded bytes (SearchItems, then GetSecrets; no encoding, decoding or decryption)',
    formatMs(rawGet.ms),
    formatMs(rawGet.cpuMs),
  ]);

  const conn = await dbusInit({ address });
  const get = await timeRoundTrips(async () => {
    const [item] = await searchItems(conn, PROFILE_ATTRIBUTES);
    await item.getSecret();
  }, n);
  rows.push([
    'a whole get through the public API (SearchItems + GetSecrets: 2 round trips)',
    formatMs(get.ms),
    formatMs(get.cpuMs),
  ]);
  await conn.close();
  return table([`one call to gnome-keyring (median of ${n})`, 'wall ms', 'client CPU ms'], rows);
}

/**
 * Where the client's CPU goes in a loop of calls, from V8's sampling profiler: self time grouped by who spends it.
 * @param {() => Promise<unknown>} call @param {number} n
 */
async function profileCalls(call, n) {
  const session = new Session();
  session.connect();
  for (let i = 0; i < 50; i++) await call();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  for (let i = 0; i < n; i++) await call();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  /** @type {Map<number, number>} */
  const sampled = new Map();
  profile.samples?.forEach((id, index) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas?.[index] ?? 0)));
  /** @type {Map<string, number>} */
  const byCategory = new Map();
  for (const node of profile.nodes) {
    const category = categorise(node.callFrame.url, node.callFrame.functionName);
    if (category) byCategory.set(category, (byCategory.get(category) ?? 0) + (sampled.get(node.id) ?? 0) / 1000 / n);
  }
  return byCategory;
}

const CATEGORIES = [
  'D-Bus codec (src/dbus: codec, signature, writer, reader)',
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
  if (/dist\/esm\/dbus\/(codec|signature|writer|reader)\.js/.test(url)) return CATEGORIES[0];
  if (url.includes('dist/esm/dbus/')) return CATEGORIES[1];
  if (/dist\/esm\/crypto\//.test(url)) return CATEGORIES[3];
  if (url.includes('dist/esm/')) return CATEGORIES[2];
  if (!url && /^write/.test(name)) return CATEGORIES[4];
  if (url.startsWith('node:')) return CATEGORIES[5];
  return CATEGORIES[7];
}

/** @param {string} address @param {number} n */
export async function cpuProfileSection(address, n) {
  const bus = await DBusConnection.open(address);
  const roundTrip = await profileCalls(() => bus.call(PROPERTIES_GET), n);
  await bus.close();
  const conn = await dbusInit({ address });
  const get = await profileCalls(async () => {
    const [item] = await searchItems(conn, PROFILE_ATTRIBUTES);
    await item.getSecret();
  }, n);
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
    [`client CPU by where it is spent (V8 sampling profile of ${n} calls)`, 'ms per round trip', 'ms per get'],
    rows,
  );
}

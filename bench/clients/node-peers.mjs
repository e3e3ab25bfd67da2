// @ts-check
/**
 * The Node password APIs, each in its own process: @napi-rs/keyring and keytar (both optional: a peer that cannot be
 * loaded fails its probe and is reported as skipped), this library's keytar drop-in (`secretstorage/keytar`, beside
 * them on the same workload), and dbus-next's own bus client for the D-Bus floor.
 * Peers resolve from this project's node_modules.
 * usage: node node-peers.mjs <napi-keyring|keytar|this-keytar|dbus-next> <probe|sequential|growth|floor> '<json options>'
 */
import { createRequire } from 'node:module';
import { emit, expectSecret, measureBatches, measureEach, measureWhole, parseStage } from './measure.mjs';
import {
  FIRST_PASS,
  GROWTH_SERVICE,
  growthAttributes,
  growthReads,
  growthSecret,
  growthSetAttributes,
  sequentialAttributes,
  sequentialSecret,
} from './workload.mjs';

const require = createRequire(import.meta.url);
const client = process.argv[2] ?? '';
const { stage, options } = parseStage(1);

/** @param {string} name */
function packageVersion(name) {
  return require(`${name}/package.json`).version;
}

/**
 * The same workload through a password API (service + account): what @napi-rs/keyring and keytar offer.
 * @typedef {{
 *   set(service: string, account: string, password: string): unknown,
 *   get(service: string, account: string): unknown,
 *   remove(service: string, account: string): unknown,
 *   getConcurrent?(service: string, account: string): Promise<string | null>,
 *   findAll(service: string): Promise<{ account: string, password: string }[]> | { account: string, password: string }[],
 * }} PasswordApi
 */

/** @returns {PasswordApi} */
function napiKeyring() {
  /** @type {typeof import('@napi-rs/keyring')} */
  const napi = require('@napi-rs/keyring');
  // Pin the Secret Service store (the other Linux store, keyutils, is the kernel's and not a peer here).
  const options = { linux: { store: /** @type {const} */ ('secret-service') } };
  return {
    set: (service, account, password) => new napi.Entry(service, account, options).setPassword(password),
    get: (service, account) => new napi.Entry(service, account, options).getPassword(),
    remove: (service, account) => new napi.Entry(service, account, options).deletePassword(),
    getConcurrent: (service, account) => new napi.AsyncEntry(service, account, options).getPassword(),
    findAll: (service) => napi.findCredentials(service),
  };
}

/**
 * The workload through keytar's five functions (keytar itself, or this library's drop-in).
 * @param {{ setPassword: Function, getPassword: Function, deletePassword: Function, findCredentials: Function }} keytar
 * @returns {PasswordApi}
 */
function keytarApi(keytar) {
  return {
    set: (service, account, password) => keytar.setPassword(service, account, password),
    get: (service, account) => keytar.getPassword(service, account),
    remove: (service, account) => keytar.deletePassword(service, account),
    getConcurrent: (service, account) => keytar.getPassword(service, account),
    findAll: (service) => keytar.findCredentials(service),
  };
}

/** @returns {PasswordApi} */
function keytar() {
  const name = 'keytar'; // optional and untyped: not a dev dependency, because it does not build on Node 20
  return keytarApi(require(name));
}

/** This library's keytar drop-in, as users import it (the built package). @returns {Promise<PasswordApi>} */
async function thisKeytar() {
  return keytarApi((await import('secretstorage/keytar')).default);
}

/** @param {PasswordApi} api */
async function sequential(api) {
  const n = options.n;
  const key = (/** @type {number} */ i) => {
    const { service, username } = sequentialAttributes(client, i);
    return /** @type {const} */ ([service, username]);
  };
  const set = (/** @type {number} */ i) => api.set(...key(i), sequentialSecret(i));
  const get = async (/** @type {number} */ i) => expectSecret(await api.get(...key(i)), sequentialSecret(i), 'get');
  // The first pass of this fresh process (see FIRST_PASS in workload.mjs), then the same operations warmed up.
  await measureEach(client, FIRST_PASS.set, n, set);
  await measureEach(client, FIRST_PASS.get, n, get);
  await measureEach(client, FIRST_PASS.delete, n, (i) => api.remove(...key(i)));
  await measureEach(client, 'set', n, set);
  await measureEach(client, 'get', n, get);
  const { getConcurrent } = api;
  if (getConcurrent) {
    await measureBatches(client, 'get_concurrent', n, options.batches, async () => {
      const secrets = await Promise.all(Array.from({ length: n }, (_, i) => getConcurrent(...key(i))));
      secrets.forEach((secret, i) => expectSecret(secret, sequentialSecret(i), 'concurrent get'));
    });
  }
  await measureEach(client, 'delete', n, (i) => api.remove(...key(i)));
}

/** @param {PasswordApi} api */
async function growth(api) {
  const { size, gets, sets, warmUp, bulkReps } = options;
  const { service: setService, username: setAccount } = growthSetAttributes(client);
  await measureEach(client, 'set', sets, (i) => api.set(setService, setAccount, `new-${i}`));
  const reads = growthReads(size, gets);
  const account = (/** @type {number} */ i) => growthAttributes(i).username;
  for (let k = 0; k < warmUp; k++) await api.get(GROWTH_SERVICE, account(reads.warmUp(k)));
  await measureEach(client, 'get', gets, async (k) =>
    expectSecret(await api.get(GROWTH_SERVICE, account(reads.timed(k))), growthSecret(reads.timed(k)), 'get'),
  );
  await api.remove(setService, setAccount);
  for (let rep = 0; rep < bulkReps; rep++) {
    await measureWhole(client, 'bulk', size, async () => {
      const found = await api.findAll(GROWTH_SERVICE);
      if (found.length !== size) throw new Error(`bulk read returned ${found.length} secrets, expected ${size}`);
    });
  }
}

/** dbus-next's own client: one Properties.Get round trip, sequential and concurrent. */
async function dbusNextFloor() {
  const n = options.n;
  const dbus = require('dbus-next');
  const bus = dbus.sessionBus();
  try {
    const object = await bus.getProxyObject('org.freedesktop.secrets', '/org/freedesktop/secrets');
    const properties = object.getInterface('org.freedesktop.DBus.Properties');
    const call = () => properties.Get('org.freedesktop.Secret.Service', 'Collections');
    await call();
    await measureEach(client, 'roundtrip', n, call);
    await measureBatches(client, 'roundtrip_concurrent', n, options.batches, () =>
      Promise.all(Array.from({ length: n }, call)),
    );
  } finally {
    bus.disconnect();
  }
}

/** @type {Record<string, () => PasswordApi | Promise<PasswordApi>>} */
const apis = { 'napi-keyring': napiKeyring, keytar, 'this-keytar': thisKeytar };
/** @type {Record<string, string>} */
const packages = {
  'napi-keyring': '@napi-rs/keyring',
  keytar: 'keytar',
  'this-keytar': 'secretstorage',
  'dbus-next': 'dbus-next',
};

if (!(client in packages)) throw new Error(`unknown client "${client}"`);
if (stage === 'probe') {
  // Loading the module is the probe: a missing or unbuilt native addon throws here.
  if (client === 'dbus-next') require('dbus-next');
  else await apis[client]();
  emit({ client, phase: 'probe', version: packageVersion(packages[client]) });
} else if (stage === 'floor' && client === 'dbus-next') {
  await dbusNextFloor();
} else if ((stage === 'sequential' || stage === 'growth') && client in apis) {
  const api = await apis[client]();
  await (stage === 'sequential' ? sequential(api) : growth(api));
} else {
  throw new Error(`${client} has no stage "${stage}"`);
}

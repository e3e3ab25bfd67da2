// @ts-check
/**
 * This library's side of the benchmark, run by bench/run.mjs in its own process against the private keyring
 * (DBUS_SESSION_BUS_ADDRESS). Uses the built package (dist/), as users get it.
 * usage: node this-library.mjs <probe|sequential|growth|floor> '<json options>'
 */
import { readFileSync } from 'node:fs';
import { dbusInit, getDefaultCollection, getSecrets, searchItemPaths, searchItems } from 'secretstorage';
import { DBusConnection } from '../../dist/esm/dbus/connection.js';
import { rawGets } from '../raw-connection.mjs';
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

const CLIENT = 'this';
const { stage, options } = parseStage();

/** @param {import('../../dist/esm/index.js').Connection} conn @param {Record<string, string>} attributes */
async function readSecret(conn, attributes) {
  const [item] = await searchItems(conn, attributes);
  if (!item) throw new Error(`no item matches ${JSON.stringify(attributes)}`);
  return item.getSecret();
}

/** @param {import('../../dist/esm/index.js').Connection} conn @param {Record<string, string>} attributes */
async function deleteItem(conn, attributes) {
  const [item] = await searchItems(conn, attributes);
  if (!item) throw new Error(`no item matches ${JSON.stringify(attributes)}`);
  await item.delete();
}

async function sequential() {
  const n = options.n;
  const conn = await dbusInit();
  try {
    const collection = getDefaultCollection(conn);
    const attributes = (/** @type {number} */ i) => sequentialAttributes(CLIENT, i);
    const set = (/** @type {number} */ i) =>
      collection.createItem(`bench ${i}`, attributes(i), sequentialSecret(i), { replace: true });
    const get = async (/** @type {number} */ i) =>
      expectSecret(await readSecret(conn, attributes(i)), sequentialSecret(i), 'get');
    // The first pass of this fresh process (see FIRST_PASS in workload.mjs), then the same operations warmed up.
    await measureEach(CLIENT, FIRST_PASS.set, n, set);
    await measureEach(CLIENT, FIRST_PASS.get, n, get);
    await measureEach(CLIENT, FIRST_PASS.delete, n, (i) => deleteItem(conn, attributes(i)));
    await measureEach(CLIENT, 'set', n, set);
    await measureEach(CLIENT, 'get', n, get);
    // The floor under every client's get: the same gets as pre-encoded bytes, replies only framed (no client work).
    const raw = await rawGets(
      address(),
      Array.from({ length: n }, (_, i) => attributes(i)),
    );
    try {
      await measureEach(CLIENT, 'get_raw', n, (i) => raw.get(i));
      await measureBatches(CLIENT, 'get_concurrent_raw', n, options.batches, () => raw.getAll());
    } finally {
      raw.close();
    }
    await measureBatches(CLIENT, 'get_concurrent', n, options.batches, async () => {
      const secrets = await Promise.all(Array.from({ length: n }, (_, i) => readSecret(conn, attributes(i))));
      secrets.forEach((secret, i) => expectSecret(secret, sequentialSecret(i), 'concurrent get'));
    });
    // The service's own limit for concurrent gets: the searches alone (half of every get, for any client).
    await measureBatches(CLIENT, 'search_concurrent', n, options.batches, () =>
      Promise.all(Array.from({ length: n }, (_, i) => searchItemPaths(conn, attributes(i)))),
    );
    await measureEach(CLIENT, 'delete', n, (i) => deleteItem(conn, attributes(i)));
  } finally {
    await conn.close();
  }
}

async function growth() {
  const { size, gets, sets, warmUp, bulkReps } = options;
  const conn = await dbusInit();
  try {
    const collection = getDefaultCollection(conn);
    /** @type {import('../../dist/esm/index.js').Item | undefined} */
    let added;
    await measureEach(CLIENT, 'set', sets, async (i) => {
      added = await collection.createItem('bench set', growthSetAttributes(CLIENT), `new-${i}`, { replace: true });
    });
    const reads = growthReads(size, gets);
    for (let k = 0; k < warmUp; k++) await readSecret(conn, growthAttributes(reads.warmUp(k)));
    await measureEach(CLIENT, 'get', gets, async (k) =>
      expectSecret(await readSecret(conn, growthAttributes(reads.timed(k))), growthSecret(reads.timed(k)), 'get'),
    );
    await added?.delete();
    for (let rep = 0; rep < bulkReps; rep++) {
      await measureWhole(CLIENT, 'bulk', size, async () => {
        const { unlocked } = await searchItemPaths(conn, { service: GROWTH_SERVICE });
        const secrets = await getSecrets(conn, unlocked);
        if (secrets.size !== size) throw new Error(`bulk read returned ${secrets.size} secrets, expected ${size}`);
      });
    }
  } finally {
    await conn.close();
  }
}

function address() {
  const value = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!value) throw new Error('DBUS_SESSION_BUS_ADDRESS is not set');
  return value;
}

/** The D-Bus floor: one Properties.Get round trip through this library's transport, below the Secret Service API. */
async function floor() {
  const n = options.n;
  const bus = await DBusConnection.open(address());
  const call = () =>
    bus.call({
      destination: 'org.freedesktop.secrets',
      path: '/org/freedesktop/secrets',
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      signature: 'ss',
      body: ['org.freedesktop.Secret.Service', 'Collections'],
    });
  try {
    await call();
    await measureEach(CLIENT, 'roundtrip', n, call);
    await measureBatches(CLIENT, 'roundtrip_concurrent', n, options.batches, () =>
      Promise.all(Array.from({ length: n }, call)),
    );
  } finally {
    await bus.close();
  }
}

switch (stage) {
  case 'probe': {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    emit({ client: CLIENT, phase: 'probe', version: pkg.version });
    break;
  }
  case 'sequential':
    await sequential();
    break;
  case 'growth':
    await growth();
    break;
  case 'floor':
    await floor();
    break;
  default:
    throw new Error(`unknown stage "${stage}"`);
}

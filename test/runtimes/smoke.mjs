// The library on another JavaScript runtime (Bun, Deno, another Node): the core API, the password API and the keytar
// drop-in against the Secret Service on DBUS_SESSION_BUS_ADDRESS (run it under `secretstorage headless --`, which
// starts a private bus with gnome-keyring), then the keyring-file backend on a throwaway file. Imports the package by its name, through its exports map, as a user does.
// Prints one line per check and exits 1 on the first failure.
import { dbusInit, getDefaultCollection, searchItems } from 'secretstorage';
import {
  closeSharedConnections,
  deletePassword,
  findCredentials,
  getPassword,
  setPassword,
} from 'secretstorage/keyring';
import keytar from 'secretstorage/keytar';
import { KeyringFile } from 'secretstorage/keyring';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runtime =
  typeof globalThis.Bun !== 'undefined'
    ? `Bun ${globalThis.Bun.version}`
    : typeof globalThis.Deno !== 'undefined'
      ? `Deno ${globalThis.Deno.version.deno}`
      : `Node ${process.versions.node}`;
const service = `smoke-${process.pid}-${Date.now()}`;

function check(condition, what) {
  if (!condition) {
    console.error(`FAIL ${runtime}: ${what}`);
    process.exit(1);
  }
  console.log(`ok ${runtime}: ${what}`);
}

const conn = await dbusInit();
try {
  const collection = getDefaultCollection(conn);
  const item = await collection.createItem(`${service} item`, { service, kind: 'core' }, 'core secret ✓');
  const [found] = await searchItems(conn, { service, kind: 'core' });
  check(found?.itemPath === item.itemPath, 'core API: createItem, then searchItems finds it');
  check((await found.getSecret()).toString() === 'core secret ✓', 'core API: getSecret over an encrypted session');
  await item.delete();
  check((await searchItems(conn, { service, kind: 'core' })).length === 0, 'core API: delete');
} finally {
  await conn.close();
}

await setPassword(service, 'alice', 'password ✓');
check((await getPassword(service, 'alice')) === 'password ✓', 'password API: setPassword, getPassword');
check(
  (await findCredentials(service)).some((credential) => credential.username === 'alice'),
  'password API: findCredentials',
);
check((await deletePassword(service, 'alice')) === true, 'password API: deletePassword');
await closeSharedConnections();

await keytar.setPassword(service, 'bob', 'keytar ✓');
check((await keytar.getPassword(service, 'bob')) === 'keytar ✓', 'keytar: setPassword, getPassword');
check((await keytar.findPassword(service)) === 'keytar ✓', 'keytar: findPassword');
check(
  JSON.stringify(await keytar.findCredentials(service)) === JSON.stringify([{ account: 'bob', password: 'keytar ✓' }]),
  'keytar: findCredentials',
);
check((await keytar.deletePassword(service, 'bob')) === true, 'keytar: deletePassword');
let thrown;
try {
  keytar.getPassword({}, 'bob');
} catch (error) {
  thrown = error;
}
check(
  thrown instanceof TypeError && thrown.message === "Parameter 'service' must be a string",
  "keytar: keytar's TypeError",
);
await closeSharedConnections();

// The keyring-file backend, which needs no bus: a throwaway file (its lock, its rename, its non-blocking open).
const folder = await mkdtemp(join(tmpdir(), 'smoke-file-'));
try {
  const file = { backend: 'file', filePath: join(folder, 'default.keyring'), filePassword: 'smoke ✓' };
  await setPassword(service, 'carol', 'file ✓', file);
  check((await getPassword(service, 'carol', file)) === 'file ✓', 'keyring file: setPassword, getPassword');
  const items = new KeyringFile(file.filePath, file.filePassword);
  let runs = 0;
  await items.transaction((draft) => {
    runs++;
    draft.create({ attributes: { service, n: '2' }, label: 'two', secret: new TextEncoder().encode('2') });
  });
  check(runs === 1 && (await items.searchItems({ service })).length === 2, 'keyring file: a transaction');
  await items.close();
  check((await deletePassword(service, 'carol', file)) === true, 'keyring file: deletePassword');
  check(JSON.stringify(readdirSync(folder)) === '["default.keyring"]', 'keyring file: no lock or temporary file left');
  await closeSharedConnections();
} finally {
  await rm(folder, { recursive: true, force: true });
}
// In a sandbox (SNAP_NAME is how libsecret and oo7 tell a Snap) the keyring file's key comes from the Secret portal;
// with no portal on the bus (there is none under `headless`), or a runtime that cannot pass descriptors (Bun, Deno),
// the Secret Service is used, as oo7 falls back. On Node, the portal is asked from a child process.
const sandboxed = {
  env: { ...process.env, SNAP_NAME: 'smoke', XDG_DATA_HOME: join(tmpdir(), `smoke-xdg-${process.pid}`) },
};
await setPassword(service, 'dora', 'sandboxed ✓', sandboxed);
check(
  (await getPassword(service, 'dora')) === 'sandboxed ✓',
  'in a sandbox without a Secret portal: the Secret Service',
);
check((await deletePassword(service, 'dora')) === true, 'in a sandbox without a Secret portal: deletePassword');
await closeSharedConnections();
console.log(`all checks passed on ${runtime}`);

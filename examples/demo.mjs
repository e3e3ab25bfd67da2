// The main job, end to end: store a secret in the Secret Service, find it, read it back, delete it.
// Uses your session's keyring when there is one; otherwise starts a private, throwaway gnome-keyring; where neither
// dbus-daemon nor gnome-keyring is installed (only Node), a throwaway keyring file in libsecret's format instead.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkServiceAvailability,
  dbusInit,
  getDefaultCollection,
  NoBackendError,
  searchItems,
} from 'secretstorage';
import { deletePassword, findCredentials, getPassword, setPassword } from 'secretstorage/keyring';
import { startHeadlessKeyring } from 'secretstorage/testing';

async function connect() {
  try {
    const conn = await dbusInit();
    if (await checkServiceAvailability(conn)) return { conn, where: 'your session keyring' };
    await conn.close();
  } catch (error) {
    if (!(error instanceof NoBackendError)) throw error;
  }
  let keyring;
  try {
    keyring = await startHeadlessKeyring();
  } catch (error) {
    return { fileBecause: error.message };
  }
  const conn = await dbusInit({ address: keyring.address });
  return { conn, where: 'a private throwaway gnome-keyring (no keyring in this session)', keyring };
}

/** The same job on a keyring file: the password API with `backend: 'file'` (docs/keyring-file.md). */
async function onKeyringFile(why) {
  const folder = await mkdtemp(join(tmpdir(), 'secretstorage-demo-'));
  const options = {
    backend: 'file',
    filePath: join(folder, 'demo.keyring'),
    filePassword: randomBytes(16).toString('hex'),
  };
  try {
    console.log(`Using a throwaway keyring file, ${options.filePath} (libsecret's and oo7's format, encrypted with a`);
    console.log(`random password): no Secret Service here, and none could be started (${why.split('\n')[0]}).`);
    await setPassword('secretstorage-demo', 'alice', 'mysecretpassword', options);
    console.log('Stored   the password for alice on secretstorage-demo');
    console.log(`Found    ${JSON.stringify((await findCredentials('secretstorage-demo', options)).map((c) => c.username))}`);
    console.log(`Secret   ${await getPassword('secretstorage-demo', 'alice', options)}`);
    await deletePassword('secretstorage-demo', 'alice', options);
    console.log(`Deleted  it; search now finds ${(await findCredentials('secretstorage-demo', options)).length} items.`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const { conn, where, keyring, fileBecause } = await connect();
if (fileBecause !== undefined) {
  await onKeyringFile(fileBecause);
} else {
  try {
    console.log(`Using ${where}.`);
    const collection = getDefaultCollection(conn);
    const item = await collection.createItem('secretstorage demo', { application: 'secretstorage-demo' }, 'mysecretpassword');
    console.log(`Stored   ${item.itemPath} (transfer encryption: ${(await conn.session()).algorithm})`);
    const [found] = await searchItems(conn, { application: 'secretstorage-demo' });
    console.log(`Found    ${found.itemPath} labelled "${await found.getLabel()}"`);
    console.log(`Secret   ${(await found.getSecret()).toString()}`);
    await found.delete();
    console.log(`Deleted  ${found.itemPath}; search now finds ${(await searchItems(conn, { application: 'secretstorage-demo' })).length} items.`);
  } finally {
    await conn.close();
    await keyring?.stop();
  }
}

// The main job, end to end: store a secret in the Secret Service, find it, read it back, delete it.
// Uses your session's keyring when there is one; otherwise starts a private, throwaway gnome-keyring.
import {
  checkServiceAvailability,
  dbusInit,
  getDefaultCollection,
  NoBackendError,
  searchItems,
} from 'secretstorage';
import { startHeadlessKeyring } from 'secretstorage/testing';

async function connect() {
  try {
    const conn = await dbusInit();
    if (await checkServiceAvailability(conn)) return { conn, where: 'your session keyring' };
    await conn.close();
  } catch (error) {
    if (!(error instanceof NoBackendError)) throw error;
  }
  const keyring = await startHeadlessKeyring();
  const conn = await dbusInit({ address: keyring.address });
  return { conn, where: 'a private throwaway gnome-keyring (no keyring in this session)', keyring };
}

const { conn, where, keyring } = await connect();
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

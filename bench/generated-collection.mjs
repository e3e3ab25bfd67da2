// @ts-check
/**
 * The growth stage's data: gnome-keyring restarted on a generated keyring file of N items that is the default
 * collection, unlocked. Writing the file takes well under a second for 10,000 items, where creating them over D-Bus
 * takes minutes: gnome-keyring rewrites the whole file on every change.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dbusInit, getDefaultCollection, unlockWithPassword } from '../dist/esm/index.js';
import { growthAttributes, growthSecret } from './clients/workload.mjs';
import { writeKeyringFile } from './keyring-file.mjs';

const NAME = 'growth';
const PASSWORD = 'bench-growth';

/**
 * Replaces the default collection of the keyring kept in `dataDir` with `size` generated items and restarts
 * gnome-keyring on it.
 * @param {import('../dist/esm/testing/index.js').HeadlessKeyring} keyring started with `dataDir`
 * @param {string} dataDir
 * @param {number} size
 * @throws Error when gnome-keyring does not come back with exactly `size` items in its default collection.
 */
export async function loadGeneratedCollection(keyring, dataDir, size) {
  // startGnomeKeyring keeps keyrings in <dataDir>/data/keyrings (its XDG_DATA_HOME is <dataDir>/data).
  const keyrings = join(dataDir, 'data', 'keyrings');
  await mkdir(keyrings, { recursive: true });
  await writeKeyringFile(join(keyrings, `${NAME}.keyring`), {
    label: NAME,
    password: PASSWORD,
    items: Array.from({ length: size }, (_, i) => ({
      label: `growth ${i}`,
      secret: growthSecret(i),
      attributes: growthAttributes(i),
    })),
  });
  await writeFile(join(keyrings, 'default'), NAME, { mode: 0o600 });
  await keyring.restartKeyring();
  const conn = await dbusInit({ address: keyring.address });
  try {
    const collection = getDefaultCollection(conn);
    await unlockWithPassword(conn, await collection.getPath(), PASSWORD);
    const count = (await collection.getAllItems()).length;
    if (count !== size) throw new Error(`the generated collection holds ${count} items, not ${size}`);
  } finally {
    await conn.close();
  }
}

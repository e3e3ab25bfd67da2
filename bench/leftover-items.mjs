// @ts-check
/**
 * The sequential stage's starting state: a default collection without any client's workload items. A client that
 * fails part of the way (or under which gnome-keyring dies) leaves up to --n items behind, and gnome-keyring rewrites
 * its whole file on every change, so every client after it would set and delete against a bigger file: a handicap
 * of the run order, not of the client. The runner removes them before each client.
 */
import { dbusInit, getDefaultCollection } from '../dist/esm/index.js';
import { sequentialAttributes } from './clients/workload.mjs';

/**
 * Deletes every item of the default collection that carries one of `clientIds`' sequential workload services.
 * @param {string} address the private bus
 * @param {string[]} clientIds
 * @returns {Promise<number>} how many items it removed
 */
export async function removeLeftoverItems(address, clientIds) {
  const services = new Set(clientIds.map((id) => sequentialAttributes(id, 0).service));
  const conn = await dbusInit({ address });
  try {
    let removed = 0;
    for (const item of await getDefaultCollection(conn).getAllItems()) {
      if (!services.has((await item.getAttributes()).service ?? '')) continue;
      await item.delete();
      removed++;
    }
    return removed;
  } finally {
    await conn.close();
  }
}

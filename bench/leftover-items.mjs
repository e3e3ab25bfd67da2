// @ts-check
/**
 * The sequential stage's starting state: a keyring without any client's workload items. A client that fails part of the
 * way (or under which gnome-keyring dies) leaves up to --n items behind, and gnome-keyring rewrites its whole file on
 * every change, so every client after it would set and delete against a bigger file: a handicap of the run order, not
 * of the client. The runner removes them before each client.
 */
import { dbusInit, searchItems } from '../dist/esm/index.js';
import { sequentialAttributes } from './clients/workload.mjs';

/**
 * Deletes every item that carries one of `clientIds`' sequential workload services (a search by that attribute alone).
 * @param {string} address the private bus
 * @param {string[]} clientIds
 * @returns {Promise<number>} how many items it removed
 */
export async function removeLeftoverItems(address, clientIds) {
  const conn = await dbusInit({ address });
  try {
    const found = await Promise.all(
      clientIds.map((id) => searchItems(conn, { service: sequentialAttributes(id, 0).service })),
    );
    const items = found.flat();
    for (const item of items) await item.delete();
    return items.length;
  } finally {
    await conn.close();
  }
}

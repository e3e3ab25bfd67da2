// The app code these examples test: it keeps an API token in the Secret Service, on the session bus that
// DBUS_SESSION_BUS_ADDRESS names, as real app code would.
import { dbusInit, getDefaultCollection, searchItems } from 'secretstorage';

const attributesFor = (account) => ({ application: 'example-app', account });

/** Stores the token for `account`, replacing an older one. */
export async function saveToken(account, token) {
  const conn = await dbusInit();
  try {
    await getDefaultCollection(conn).createItem(`example-app: ${account}`, attributesFor(account), token, {
      replace: true,
    });
  } finally {
    await conn.close();
  }
}

/** The token for `account`, or undefined; a locked keyring is unlocked through its prompt first. */
export async function loadToken(account) {
  const conn = await dbusInit();
  try {
    const [item] = await searchItems(conn, attributesFor(account));
    if (!item) return undefined;
    if (await item.isLocked()) await item.unlock();
    return (await item.getSecret()).toString();
  } finally {
    await conn.close();
  }
}

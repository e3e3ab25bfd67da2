import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHeadlessKeyring } from 'secretstorage/testing';
import { loadToken, saveToken } from '../token-store.mjs';

let keyring;
before(async () => {
  keyring = await startHeadlessKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
});
after(() => keyring?.stop());

test('saves and loads a token', async () => {
  await saveToken('alice', 't0ken');
  assert.equal(await loadToken('alice'), 't0ken');
});

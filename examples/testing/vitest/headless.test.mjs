import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHeadlessKeyring } from 'secretstorage/testing';
import { loadToken, saveToken } from '../token-store.mjs';

let keyring;
beforeAll(async () => {
  keyring = await startHeadlessKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
});
afterAll(() => keyring?.stop());

test('saves and loads a token', async () => {
  await saveToken('alice', 't0ken');
  expect(await loadToken('alice')).toBe('t0ken');
});

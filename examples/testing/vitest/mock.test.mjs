import { afterAll, beforeAll, expect, test } from 'vitest';
import { PromptDismissedException } from 'secretstorage';
import { mockScenarios, startMockSecretService, startPrivateBus } from 'secretstorage/testing';
import { loadToken, saveToken } from '../token-store.mjs';

let bus;
let mock;
beforeAll(async () => {
  bus = await startPrivateBus();
  mock = await startMockSecretService({ address: bus.address, ...mockScenarios.dismissing });
  process.env.DBUS_SESSION_BUS_ADDRESS = bus.address;
});
afterAll(async () => {
  await mock?.stop();
  await bus?.stop();
});

test('a locked keyring whose unlock prompt is dismissed makes loadToken fail', async () => {
  await saveToken('alice', 't0ken');
  mock.lock('/org/freedesktop/secrets/collection/login');
  await expect(loadToken('alice')).rejects.toBeInstanceOf(PromptDismissedException);
});

test('once the user accepts the prompt, loadToken gets the token', async () => {
  mock.scenario.prompts = 'complete';
  expect(await loadToken('alice')).toBe('t0ken');
  expect(mock.callCount('Unlock')).toBe(2);
});

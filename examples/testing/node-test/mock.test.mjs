import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PromptDismissedException } from 'secretstorage';
import { mockScenarios, startMockSecretService, startPrivateBus } from 'secretstorage/testing';
import { loadToken, saveToken } from '../token-store.mjs';

let bus;
let mock;
before(async () => {
  bus = await startPrivateBus();
  mock = await startMockSecretService({ address: bus.address, ...mockScenarios.dismissing });
  process.env.DBUS_SESSION_BUS_ADDRESS = bus.address;
});
after(async () => {
  await mock?.stop();
  await bus?.stop();
});

test('a locked keyring whose unlock prompt is dismissed makes loadToken fail', async () => {
  await saveToken('alice', 't0ken');
  mock.lock('/org/freedesktop/secrets/collection/login');
  await assert.rejects(loadToken('alice'), PromptDismissedException);
});

test('once the user accepts the prompt, loadToken gets the token', async () => {
  mock.scenario.prompts = 'complete';
  assert.equal(await loadToken('alice'), 't0ken');
  assert.equal(mock.callCount('Unlock'), 2);
});

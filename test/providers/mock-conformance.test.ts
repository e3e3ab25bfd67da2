/**
 * The mock's KWallet and KeePassXC scenarios (mockScenarios.kwallet, mockScenarios.keepassxc) against the real
 * servers: the same raw-D-Bus probe (test/helpers/server-probe.ts) on both must see the same behaviour, so that the
 * mock cannot drift from what it imitates. Runs with SECRETSTORAGE_TEST_PROVIDER=kwallet or keepassxc.
 */
import { describe, expect, it } from 'vitest';
import { UNLOCK_DIALOG_TITLES, answerDialog, findDialogs } from '../../src/testing/dialogs.js';
import { DEFAULT_KEYRING_PASSWORD } from '../../src/testing/gnome-keyring.js';
import { startHeadlessProvider } from '../../src/testing/headless-provider.js';
import { mockScenarios } from '../../src/testing/mock-scenarios.js';
import { startMockSecretService } from '../../src/testing/mock-service.js';
import { startPrivateBus } from '../../src/testing/private-bus.js';
import { otherProvider, testProvider } from '../helpers/keyring.js';
import { probeServer, type ServerBehaviour } from '../helpers/server-probe.js';

async function probeMock(scenario: keyof typeof mockScenarios): Promise<ServerBehaviour> {
  const bus = await startPrivateBus();
  const mock = await startMockSecretService({ address: bus.address, ...mockScenarios[scenario] });
  try {
    return await probeServer(bus.address);
  } finally {
    await mock.stop();
    await bus.stop();
  }
}

describe.runIf(otherProvider)(`the mock's ${testProvider} scenario behaves as the real server`, () => {
  it('on the probe: interfaces, lock state at start, Lock and Unlock, DH key length, CreateItem, GetSecrets', async () => {
    const provider = testProvider as 'kwallet' | 'keepassxc';
    // KWallet as a fresh login leaves it: open, but reported locked.
    const real = await startHeadlessProvider({ provider, unlock: false });
    let seen: ServerBehaviour;
    try {
      seen = await probeServer(real.address, async (completed) => {
        // A dialog if the server shows one; KWallet completes an open wallet's unlock prompt by itself.
        while (!completed()) {
          if ((await findDialogs(real.display!, UNLOCK_DIALOG_TITLES[provider])).length) {
            await answerDialog({
              display: real.display!,
              title: UNLOCK_DIALOG_TITLES[provider],
              type: DEFAULT_KEYRING_PASSWORD,
            });
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
    } finally {
      await real.stop();
    }
    expect(await probeMock(provider)).toEqual(seen);
  }, 120_000);
});

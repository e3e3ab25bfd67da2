/**
 * The transport the Docker harness relies on, covered without Docker: the integration suite (every file on the shared
 * keyring fixture), run in a separate vitest process against a private dbus-daemon that listens on 127.0.0.1 with
 * DBUS_COOKIE_SHA1 authentication (this user's alone; ANONYMOUS only with unsafeAnonymousTcp, see tcp-auth.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { startHeadlessKeyring } from '../../src/testing/headless-keyring.js';
import { externalBusAddress } from '../helpers/keyring.js';
import { runIntegrationSuite } from './run-suite.js';

describe.skipIf(externalBusAddress)('the integration suite over TCP with DBUS_COOKIE_SHA1 authentication', () => {
  it('passes against gnome-keyring on a private bus at tcp:host=127.0.0.1', { timeout: 15 * 60_000 }, async () => {
    const keyring = await startHeadlessKeyring({ tcp: true });
    try {
      expect(keyring.tcpAddress).toMatch(/^tcp:host=127\.0\.0\.1,port=\d+/);
      const { files, code, output, keyringSize } = await runIntegrationSuite(keyring.tcpAddress!);
      expect(files).toContain('test/integration/core.test.ts');
      expect(code, output).toBe(0);
      expect(output).toMatch(new RegExp(`Test Files\\s+${files.length} passed`));
      // Each file removes what it created, so no file's time depends on which ran before it.
      expect(keyringSize.after).toBe(keyringSize.before);
    } finally {
      await keyring.stop();
    }
  });
});

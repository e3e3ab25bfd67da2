#!/usr/bin/env node
// `npm run test:providers`: the provider-independent integration tests (core API, locking, password API, keytar,
// CLI, user secrets), each server's own tests and the check of the mock's scenario for it, against KWallet and against KeePassXC,
// each started by the tests on a private bus under Xvfb (SECRETSTORAGE_TEST_PROVIDER, see test/helpers/keyring.ts).
// gnome-keyring is what `npm test` runs. A failed test is run once more (--retry=1): KeePassXC 2.7.4 crashes now and
// then (SIGSEGV) under this load, and the fixture then starts a new one for the retry, printing the crash.
// Arguments: the providers to run (default both).
import { spawnSync } from 'node:child_process';

const SHARED = [
  'test/integration/core.test.ts',
  'test/integration/locking.test.ts',
  'test/integration/keyring.test.ts',
  'test/integration/keytar.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/user-secrets-library.test.ts',
];
const providers = process.argv.slice(2).length ? process.argv.slice(2) : ['kwallet', 'keepassxc'];
let failed = false;
for (const provider of providers) {
  console.log(`\n=== ${provider} ===`);
  const own = [`test/providers/${provider}.test.ts`, 'test/providers/mock-conformance.test.ts'];
  const run = spawnSync('npx', ['vitest', 'run', '--retry=1', ...SHARED, ...own], {
    stdio: 'inherit',
    env: { ...process.env, SECRETSTORAGE_TEST_PROVIDER: provider },
  });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

/** Runs this project's integration suite in a separate vitest process against an existing bus. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, finished } from '../helpers/processes.js';

export interface SuiteResult {
  code: number | null;
  /** stdout and stderr, for the assertion message. */
  output: string;
}

/**
 * Files that cannot run against a TCP bus: interop.test.ts is built around Python SecretStorage and Python keyring,
 * whose D-Bus library (jeepney) only connects to `unix:` addresses. It runs over the Unix socket in the main suite.
 */
export const UNIX_ONLY_FILES = ['test/integration/interop.test.ts'];

/**
 * `vitest run test/integration` with SECRETSTORAGE_TEST_ADDRESS=`address`: every file's `useKeyring()` connects there
 * instead of starting its own keyring. One file at a time, since they share the one keyring.
 */
export async function runIntegrationSuite(address: string): Promise<SuiteResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(
    process.execPath,
    [
      vitest,
      'run',
      'test/integration',
      '--no-file-parallelism',
      // Every test runs a second time here; one that is flaky under load is already reported by the main run, and a
      // transport fault would fail both attempts.
      '--retry=1',
      ...UNIX_ONLY_FILES.flatMap((file) => ['--exclude', file]),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...env, SECRETSTORAGE_TEST_ADDRESS: address, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { code, stdout, stderr } = await finished(child);
  return { code, output: `${stdout}\n${stderr}` };
}

/**
 * The vitest and node:test examples in examples/testing, run the way a user runs them, against the built package
 * (`secretstorage` and `secretstorage/testing` resolve to dist/ through the package's own exports). docs/testing.md
 * shows them verbatim (checked by doc-examples.test.ts).
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalBusAddress } from '../helpers/keyring.js';
import { REPO_ROOT, finished } from '../helpers/processes.js';

const EXAMPLES = join(REPO_ROOT, 'examples', 'testing');

function run(command: string, args: string[], cwd: string) {
  const {
    SECRETSTORAGE_TEST_ADDRESS: _,
    VITEST: __,
    VITEST_POOL_ID: ___,
    VITEST_WORKER_ID: ____,
    ...env
  } = process.env;
  return finished(spawn(command, args, { cwd, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe.skipIf(externalBusAddress)('the examples in examples/testing', () => {
  it('need the built package', () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'esm', 'testing', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('vitest: the headless keyring and the mock examples pass', async () => {
    const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const result = await run(process.execPath, [vitest, 'run'], join(EXAMPLES, 'vitest'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+\S*3 passed/);
  });

  it('node:test: the headless keyring and the mock examples pass', async () => {
    const result = await run(
      process.execPath,
      ['--test', 'node-test/headless.test.mjs', 'node-test/mock.test.mjs'],
      EXAMPLES,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^# pass 3$/m);
  });
});

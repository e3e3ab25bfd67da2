/**
 * keytar's own spec (test/keytar-spec/spec/keytar-spec.js, copied unmodified from atom/node-keytar) run with mocha
 * against the built `secretstorage/keytar`, on this file's gnome-keyring: a drop-in is judged by keytar's tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useKeyring } from '../helpers/keyring.js';
import { REPO_ROOT } from '../helpers/processes.js';

interface MochaReport {
  stats: { tests: number; passes: number; failures: number; pending: number };
  failures: Array<{ fullTitle: string; err: { message?: string } }>;
}

describe("keytar's spec", () => {
  const k = useKeyring();

  it('passes all 19 tests of keytar’s spec, unmodified, with mocha', async () => {
    const mocha = `${REPO_ROOT}node_modules/mocha/bin/mocha.js`;
    // keytar takes no options: like keytar, the drop-in finds the session bus in the environment. The spec's own
    // timeouts (2 s, 5 s for findPassword) stand; --timeout only raises the default for the hooks on a loaded machine.
    const run = await promisify(execFile)(
      process.execPath,
      [mocha, '--reporter', 'json', '--timeout', '20000', 'test/keytar-spec/spec/keytar-spec.js'],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: k.address } },
    ).catch((error: { stdout?: string; stderr?: string }) => error);
    const report = JSON.parse(run.stdout ?? '{}') as MochaReport;
    expect(
      report.failures?.map((failure) => `${failure.fullTitle}: ${failure.err.message}`),
      run.stderr,
    ).toEqual([]);
    expect(report.stats).toMatchObject({ tests: 19, passes: 19, failures: 0, pending: 0 });
  }, 120_000);
});

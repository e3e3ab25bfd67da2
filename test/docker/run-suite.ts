/** Runs this project's integration suite in a separate vitest process against an existing bus. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dbusInit, getAllCollections } from '../../src/index.js';
import { REPO_ROOT, finished } from '../helpers/processes.js';

export interface SuiteResult {
  /** The files that ran. */
  files: string[];
  code: number | null;
  /** stdout and stderr, for the assertion message. */
  output: string;
  /** Collections and items in the keyring before the suite ran, and after: each file removes what it created. */
  keyringSize: { before: number; after: number };
}

/**
 * Files that cannot run against a TCP bus: interop.test.ts is built around Python SecretStorage and Python keyring,
 * whose D-Bus library (jeepney) only connects to `unix:` addresses. It runs over the Unix socket in the main suite.
 */
export const UNIX_ONLY_FILES = ['test/integration/interop.test.ts'];

/**
 * The integration files that talk to the keyring fixture (`useKeyring()`), which SECRETSTORAGE_TEST_ADDRESS redirects.
 * The others start buses or mocks of their own, so running them again here would test nothing new.
 */
export function filesUsingTheKeyringFixture(): string[] {
  const directory = join(REPO_ROOT, 'test', 'integration');
  return readdirSync(directory)
    .filter((name) => name.endsWith('.test.ts'))
    .filter((name) => readFileSync(join(directory, name), 'utf8').includes('useKeyring('))
    .map((name) => `test/integration/${name}`)
    .filter((file) => !UNIX_ONLY_FILES.includes(file))
    .sort();
}

/**
 * Why the build in dist/ cannot be used, or undefined if it can: some of these files run dist/ (the package as
 * published), so a missing or stale build would fail them with module-not-found errors and timeouts that say nothing.
 * The suite does not build it itself, since files running beside it may be using dist/ at that moment.
 */
export function missingBuild(): string | undefined {
  const built = join(REPO_ROOT, 'dist', 'esm', 'index.js');
  let builtAt: number;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return 'dist/ is not built: run `npm run build` first (`npm test` does)';
  }
  const newer = sourcesNewerThan(join(REPO_ROOT, 'src'), builtAt);
  return newer ? `dist/ is older than ${newer}: run \`npm run build\` first (\`npm test\` does)` : undefined;
}

function sourcesNewerThan(directory: string, time: number): string | undefined {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    const newer = entry.isDirectory()
      ? sourcesNewerThan(path, time)
      : entry.name.endsWith('.ts') && statSync(path).mtimeMs > time
        ? path.slice(REPO_ROOT.length)
        : undefined;
    if (newer) return newer;
  }
  return undefined;
}

/**
 * Variables of this process that the suite must not see: vitest's own (the child is a vitest run of its own), and
 * DEBUG, which belongs to whoever started this one (e.g. `DEBUG=testcontainers*`) and would change what the suite
 * tests (it is part of the shared connection's key).
 */
function inheritedByTheSuite(name: string): boolean {
  return !name.startsWith('VITEST') && name !== 'DEBUG';
}

/**
 * Runs those files with SECRETSTORAGE_TEST_ADDRESS=`address`, so that every `useKeyring()` connects there instead of
 * starting its own keyring. One file at a time, since they share the one keyring. Throws if dist/ is not built.
 */
export async function runIntegrationSuite(address: string): Promise<SuiteResult> {
  const unbuilt = missingBuild();
  if (unbuilt) throw new Error(`The integration suite cannot run: ${unbuilt}.`);
  const before = await keyringSize(address);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => inheritedByTheSuite(name)));
  const vitest = join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const files = filesUsingTheKeyringFixture();
  // Every test here runs a second time; one that is flaky under load is already reported by the main run, and a
  // transport fault would fail both attempts.
  const child = spawn(process.execPath, [vitest, 'run', '--no-file-parallelism', '--retry=1', ...files], {
    cwd: REPO_ROOT,
    env: { ...env, SECRETSTORAGE_TEST_ADDRESS: address, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await finished(child);
  return { files, code, output: `${stdout}\n${stderr}`, keyringSize: { before, after: await keyringSize(address) } };
}

/** Collections and items in the keyring at `address`. */
async function keyringSize(address: string): Promise<number> {
  const conn = await dbusInit({ address });
  try {
    let count = 0;
    for (const collection of await getAllCollections(conn)) count += 1 + (await collection.getAllItems()).length;
    return count;
  } finally {
    await conn.close();
  }
}

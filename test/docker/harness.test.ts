/**
 * The Docker harness: builds Dockerfile.test, starts a container that serves its session bus over TCP (ANONYMOUS
 * authentication, on the mapped port) with gnome-keyring inside, and runs the integration suite from the host against
 * `tcp:host=…,port=…`. Without a reachable Docker engine it is skipped, and its one test's name says why.
 */
import { describe, expect, it } from 'vitest';
import { externalBusAddress } from '../helpers/keyring.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { findDockerEngine } from './docker-engine.js';
import { runIntegrationSuite } from './run-suite.js';

const BUS_PORT = 7777;
const engine = await findDockerEngine();
// The one line a run without Docker shows (vitest's summary would only count a skipped test).
if (!engine.reachable && !externalBusAddress) process.stderr.write(`Docker harness skipped: ${engine.why}.\n`);

describe.skipIf(externalBusAddress)('Docker harness', () => {
  it.skipIf(!engine.reachable)(
    engine.reachable
      ? `runs the integration suite against gnome-keyring in a container (${engine.where})`
      : `skipped: ${engine.why}`,
    // Building the image (apt-get, npm ci) takes minutes the first time; the suite itself about three.
    { timeout: 30 * 60_000 },
    async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const image = await GenericContainer.fromDockerfile(REPO_ROOT, 'Dockerfile.test').build(
        'secretstorage-test-harness',
        {
          deleteOnExit: false,
        },
      );
      const container = await image
        .withCommand(['sh', 'test/docker/bus-over-tcp.sh'])
        .withEnvironment({ BUS_PORT: String(BUS_PORT) })
        .withExposedPorts(BUS_PORT)
        .withWaitStrategy(Wait.forLogMessage('secretstorage: bus ready'))
        .withStartupTimeout(120_000)
        .start();
      try {
        const address = `tcp:host=${container.getHost()},port=${container.getMappedPort(BUS_PORT)}`;
        const { files, code, output } = await runIntegrationSuite(address);
        expect(code, output).toBe(0);
        expect(output).toMatch(new RegExp(`Test Files\\s+${files.length} passed`));
      } finally {
        await container.stop();
      }
    },
  );
});

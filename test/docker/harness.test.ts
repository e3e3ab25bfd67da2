/**
 * The Docker harness: builds Dockerfile.test, starts a container that serves its session bus over TCP (ANONYMOUS
 * authentication, on the mapped port) with gnome-keyring inside, and runs the integration suite from the host against
 * `tcp:host=…,port=…`. Without a reachable Docker engine, or on a Node that testcontainers does not run on, it is
 * skipped, and its one test's name (and one line on stderr) says why.
 *
 * Where no container registry is reachable: SECRETSTORAGE_DOCKER_BASE_IMAGE names a base image made by
 * scripts/docker-base-image.sh (Dockerfile.test's BASE_IMAGE), and TESTCONTAINERS_RYUK_DISABLED=true keeps
 * testcontainers from pulling its clean-up container (the test stops its own container however it ends).
 * SECRETSTORAGE_DOCKER_REQUIRED=1 (as .ci/run sets once it has an engine) turns the skip into a failure.
 */
import { describe, expect, it } from 'vitest';
import { externalBusAddress } from '../helpers/keyring.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { findDockerEngine } from './docker-engine.js';
import { missingBuild, runIntegrationSuite } from './run-suite.js';

const BUS_PORT = 7777;
/** testcontainers 11 runs on undici 7, which needs this Node (12 needs 22.22); the package itself supports Node 20. */
const TESTCONTAINERS_NODE = [20, 18, 1];
const baseImage = process.env.SECRETSTORAGE_DOCKER_BASE_IMAGE || undefined;
const required = process.env.SECRETSTORAGE_DOCKER_REQUIRED === '1';

async function whyNot(): Promise<string | undefined> {
  const node = process.versions.node.split('.').map(Number);
  const older = TESTCONTAINERS_NODE.findIndex((part, i) => node[i] !== part);
  if (older >= 0 && node[older]! < TESTCONTAINERS_NODE[older]!)
    return `testcontainers needs Node >= ${TESTCONTAINERS_NODE.join('.')}, this is ${process.versions.node}`;
  const engine = await findDockerEngine();
  return engine.reachable ? undefined : engine.why;
}

const skipped = externalBusAddress ? undefined : await whyNot();
// The one line a run without Docker shows (vitest's summary would only count a skipped test).
if (skipped && !required) process.stderr.write(`Docker harness skipped: ${skipped}.\n`);

describe.skipIf(externalBusAddress)('Docker harness', () => {
  it.skipIf(skipped && !required)(
    skipped && !required
      ? `skipped: ${skipped}`
      : `runs the integration suite against gnome-keyring in a container${baseImage ? ` (base image ${baseImage})` : ''}`,
    // Building the image (apt-get, npm ci) takes minutes the first time; the suite itself about three.
    { timeout: 30 * 60_000 },
    async () => {
      if (skipped) throw new Error(`The Docker harness must run (SECRETSTORAGE_DOCKER_REQUIRED=1), but ${skipped}.`);
      // Before minutes of image building: the suite runs on the host, from dist/ for some files.
      const unbuilt = missingBuild();
      if (unbuilt) throw new Error(`The Docker harness cannot run: ${unbuilt}.`);
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await GenericContainer.fromDockerfile(REPO_ROOT, 'Dockerfile.test')
        .withBuildArgs(baseImage ? { BASE_IMAGE: baseImage } : {})
        .build('secretstorage-test-harness', { deleteOnExit: false })
        .then((image) =>
          image
            .withCommand(['sh', 'test/docker/bus-over-tcp.sh'])
            .withEnvironment({ BUS_PORT: String(BUS_PORT) })
            .withExposedPorts(BUS_PORT)
            .withWaitStrategy(Wait.forLogMessage('secretstorage: bus ready'))
            .withStartupTimeout(120_000)
            .start(),
        )
        .catch((error: unknown) => {
          throw new Error(
            `The Docker harness could not build or start its container: ${(error as Error).message ?? error}. ` +
              'Without access to a container registry, make a base image with scripts/docker-base-image.sh, then set ' +
              'SECRETSTORAGE_DOCKER_BASE_IMAGE=secretstorage-base:bookworm-node20 and TESTCONTAINERS_RYUK_DISABLED=true.',
            { cause: error },
          );
        });
      try {
        const address = `tcp:host=${container.getHost()},port=${container.getMappedPort(BUS_PORT)}`;
        const { files, code, output, keyringSize } = await runIntegrationSuite(address);
        expect(code, output).toBe(0);
        expect(output).toMatch(new RegExp(`Test Files\\s+${files.length} passed`));
        // Each file removes what it created from the container's keyring, so no file's time depends on the others.
        expect(keyringSize.after).toBe(keyringSize.before);
      } finally {
        await container.stop();
      }
    },
  );
});

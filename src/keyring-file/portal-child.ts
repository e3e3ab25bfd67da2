/**
 * The process that asks the Secret portal (run by portal-process.ts): `node portal-child.js ADDRESS TIMEOUT_MS`.
 * It writes the 64-byte secret to stdout and exits 0, or writes one JSON line `{ kind, message }` and exits 2. It
 * exists so that what a hostile client on the bus can do to a connection that accepts descriptors (abort Node, see
 * portal-secret.ts) ends this process, not the application's.
 */
import { PromptDismissedException, TimeoutException } from '../errors.js';
import { PortalUnavailableError, retrievePortalSecretHere } from './portal-secret.js';

/** What the parent is told about a failure: which error to throw, and its message (never the secret). */
export type PortalChildFailure = {
  kind: 'unavailable' | 'dismissed' | 'timeout' | 'failed';
  message: string;
};

function failureOf(error: unknown): PortalChildFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PromptDismissedException) return { kind: 'dismissed', message };
  if (error instanceof TimeoutException) return { kind: 'timeout', message };
  if (error instanceof PortalUnavailableError) return { kind: 'unavailable', message };
  return { kind: 'failed', message };
}

// No top-level await: the CommonJS build carries this file too.
const [address, timeout] = process.argv.slice(2);
retrievePortalSecretHere({ address, timeoutMs: Number(timeout) }).then(
  (secret) =>
    process.stdout.write(secret, () => {
      secret.fill(0);
      process.exit(0);
    }),
  (error: unknown) => process.stdout.write(`${JSON.stringify(failureOf(error))}\n`, () => process.exit(2)),
);

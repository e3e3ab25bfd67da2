/**
 * node:crypto (AES, HMAC), loaded when the first encrypted session opens instead of when this library is imported:
 * it is the largest of Node's modules a cold process loads for us, and session.ts loads it while the service
 * computes its half of the key exchange. This is src/crypto's one module-level cache (and random.ts its one reader of
 * a device); the rest are pure functions.
 */
import type * as NodeCrypto from 'node:crypto';
import { SecretStorageError } from '../errors.js';

export type NodeCryptoModule = typeof NodeCrypto;

let loaded: NodeCryptoModule | undefined;

/**
 * Loads node:crypto once; later calls resolve at once.
 * @throws SecretStorageError when this Node.js has no crypto (built without OpenSSL).
 */
export async function loadNodeCrypto(): Promise<NodeCryptoModule> {
  try {
    // process.getBuiltinModule (Node 20.16+) hands over the CommonJS module as is; an ES module import() also builds
    // a facade whose exports include the lazy `webcrypto`, loading Web Crypto as well (about 1.5 ms more, cold).
    loaded ??= process.getBuiltinModule?.('node:crypto') ?? (await import('node:crypto'));
  } catch (error) {
    throw new SecretStorageError(
      `This Node.js has no node:crypto (built without OpenSSL: ${(error as Error).message}); use a build with crypto.`,
      { cause: error },
    );
  }
  return loaded;
}

/** node:crypto, once {@link loadNodeCrypto} has loaded it. @throws Error when called before. */
export function nodeCrypto(): NodeCryptoModule {
  if (!loaded) throw new Error('Internal error: node:crypto was used before loadNodeCrypto() had loaded it.');
  return loaded;
}

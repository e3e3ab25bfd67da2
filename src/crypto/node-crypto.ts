/**
 * node:crypto (AES, HMAC), loaded when the first encrypted session opens instead of when this library is imported:
 * it is the largest of Node's modules a cold process loads for us, and session.ts loads it while the service
 * computes its half of the key exchange. Everything else in src/crypto is pure; this is the one module-level cache.
 */
import type * as NodeCrypto from 'node:crypto';

export type NodeCryptoModule = typeof NodeCrypto;

let loaded: NodeCryptoModule | undefined;

/** Loads node:crypto once; later calls resolve at once. */
export async function loadNodeCrypto(): Promise<NodeCryptoModule> {
  // process.getBuiltinModule (Node 20.16+) hands over the CommonJS module as is; an ES module import() also builds a
  // facade whose exports include the lazy `webcrypto`, loading Web Crypto as well (about 1.5 ms more, cold).
  loaded ??= process.getBuiltinModule?.('node:crypto') ?? (await import('node:crypto'));
  return loaded;
}

/** node:crypto, once {@link loadNodeCrypto} has loaded it. @throws Error when called before. */
export function nodeCrypto(): NodeCryptoModule {
  if (!loaded) throw new Error('Internal error: node:crypto was used before loadNodeCrypto() had loaded it.');
  return loaded;
}

// @ts-check
/**
 * The cold start of cold-start.mjs through @napi-rs/keyring, from an ES module program as well: load the native
 * module, read one secret. Attributes and secret as in cold-start.mjs.
 * usage: node cold-start-napi.mjs
 */
import { createRequire } from 'node:module';

const { Entry } = createRequire(import.meta.url)('@napi-rs/keyring');
const secret = new Entry('bench-cold', 'user', { linux: { store: 'secret-service' } }).getPassword();
if (secret !== 'cold-secret') {
  console.error('cold start: the secret read back is not the one stored');
  process.exit(1);
}

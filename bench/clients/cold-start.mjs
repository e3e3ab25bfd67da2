// @ts-check
/**
 * One cold start, timed as a whole process by the runner: import the library, connect, open the encrypted session
 * and read one secret. With `napi-keyring` as argument, the same through @napi-rs/keyring.
 * usage: node cold-start.mjs [this|napi-keyring]
 */
import { COLD_ATTRIBUTES, COLD_SECRET } from './workload.mjs';

let secret;
if (process.argv[2] === 'napi-keyring') {
  const { createRequire } = await import('node:module');
  const { Entry } = createRequire(import.meta.url)('@napi-rs/keyring');
  secret = new Entry(COLD_ATTRIBUTES.service, COLD_ATTRIBUTES.username, {
    linux: { store: 'secret-service' },
  }).getPassword();
} else {
  // The package's own entry point, as users import it (the ESM bundle).
  const { dbusInit, searchItems } = await import('secretstorage');
  const conn = await dbusInit({ encryption: 'require' });
  const [item] = await searchItems(conn, COLD_ATTRIBUTES);
  secret = item && (await item.getSecret()).toString();
  await conn.close();
}
if (secret !== COLD_SECRET) {
  console.error('cold start: the secret read back is not the one stored');
  process.exit(1);
}

// @ts-check
/**
 * The same cold start as cold-start.mjs, from a CommonJS program: `require('secretstorage')` (dist/cjs, the same
 * bundle as the ESM one, converted file by file), without Node's ES module loader, which a CommonJS program never
 * starts. The attributes and secret are those of workload.mjs (COLD_ATTRIBUTES, COLD_SECRET), written out as in
 * cold-start.mjs.
 * usage: node cold-start.cjs
 */
const { dbusInit, searchItems } = require('secretstorage');

(async () => {
  const conn = await dbusInit({ encryption: 'require' });
  const [item] = await searchItems(conn, { service: 'bench-cold', username: 'user' });
  const secret = item && (await item.getSecret()).toString();
  await conn.close();
  if (secret !== 'cold-secret') {
    console.error('cold start: the secret read back is not the one stored');
    process.exit(1);
  }
})();

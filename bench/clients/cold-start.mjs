// @ts-check
/**
 * One cold start, timed as a whole process by the runner: import the library (the ESM bundle, as users import it),
 * connect, open the encrypted session and read one secret. The attributes and secret are those of workload.mjs
 * (COLD_ATTRIBUTES, COLD_SECRET), written out here as in cold-start.cjs: importing that module would add a module
 * load of the benchmark's own to the time of the library's.
 * usage: node cold-start.mjs
 */
import { dbusInit, searchItems } from 'secretstorage';

const conn = await dbusInit({ encryption: 'require' });
const [item] = await searchItems(conn, { service: 'bench-cold', username: 'user' });
const secret = item && (await item.getSecret()).toString();
await conn.close();
if (secret !== 'cold-secret') {
  console.error('cold start: the secret read back is not the one stored');
  process.exit(1);
}

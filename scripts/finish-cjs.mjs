// Marks dist/cjs as CommonJS (the package itself is "type": "module").
import { writeFileSync } from 'node:fs';
writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/esm/cli/bin.js', import.meta.url), 0o755);
chmodSync(new URL('../dist/esm/cli/user-secrets-bin.js', import.meta.url), 0o755);

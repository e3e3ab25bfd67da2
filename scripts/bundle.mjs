// Bundles the ESM entry points (with their pure-JS dependencies) into dist/bundle: one module graph of a few files
// instead of ~40 small ones, which halves the time to import the library in a cold process (see README,
// Performance). Types stay in dist/esm; CommonJS users get dist/cjs, unbundled.
import { build } from 'esbuild';

await build({
  entryPoints: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'keyring/index': 'src/keyring/index.ts',
    keytar: 'src/keytar.ts',
    'user-secrets/index': 'src/user-secrets/index.ts',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

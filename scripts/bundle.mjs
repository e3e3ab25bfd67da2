// Bundles the entry points (with their pure-JS dependencies) into a few files instead of ~40 small ones, which
// halves the time to import the library in a cold process (see README, Performance). Types stay where tsc writes
// them: dist/esm and dist/cjs.
// - dist/bundle: the ESM entry points, with the code they share split into chunks (one copy of every class).
// - dist/cjs: the same files converted to CommonJS one by one, so that `require` gets the same few files and the same
//   sharing (esbuild cannot split a CommonJS bundle; bundling each entry point alone would give each its own copy of
//   the core, and `instanceof` would fail across entry points).
import { chmodSync, copyFileSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

// dotenv is an optional peer dependency: the user's own copy, loaded when installed, never one bundled here (bundled,
// its CommonJS `require`s of Node's modules also fail inside an ES module).
const external = ['dotenv'];

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
  external,
  splitting: true,
  keepNames: true, // getPassword, not getPassword2, in users' stack traces
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const files = readdirSync('dist/bundle', { recursive: true, encoding: 'utf8' });
await build({
  entryPoints: files.filter((file) => file.endsWith('.js')).map((file) => `dist/bundle/${file}`),
  outbase: 'dist/bundle',
  outdir: 'dist/cjs',
  bundle: false,
  format: 'cjs',
  // import() of a chunk or of Node's modules becomes require(): CommonJS code loading CommonJS, without starting
  // Node's ES module loader for it.
  supported: { 'dynamic-import': false },
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'inline', // the pointers to the .LEGAL.txt files the first build wrote, copied next to them below
  logLevel: 'warning',
});
for (const file of files.filter((name) => name.endsWith('.LEGAL.txt')))
  copyFileSync(`dist/bundle/${file}`, `dist/cjs/${file}`);

// The command-line programs, each one self-contained file (no chunks): an executable is never imported beside the
// library, and a single file starts fastest. headless-supervisor.js is spawned by path from beside bin.js.
await build({
  entryPoints: {
    'cli/bin': 'src/cli/bin.ts',
    'cli/user-secrets-bin': 'src/cli/user-secrets-bin.ts',
    'cli/headless-supervisor': 'src/cli/headless-supervisor.ts',
  },
  outdir: 'dist/bundle',
  bundle: true,
  external,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const bin of ['cli/bin.js', 'cli/user-secrets-bin.js']) chmodSync(`dist/bundle/${bin}`, 0o755);

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

const library = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'keyring/index': 'src/keyring/index.ts',
  keytar: 'src/keytar.ts',
  'user-secrets/index': 'src/user-secrets/index.ts',
  // Not imported: spawned by path (keyring-file/portal-process.ts), from the ES and the CommonJS build alike.
  'keyring-file/portal-child': 'src/keyring-file/portal-child.ts',
};
// The executables are entry points of the same build, so they load the library's chunks instead of carrying a copy of
// the library each. headless-supervisor.js is spawned by path from beside bin.js.
const executables = {
  'cli/bin': 'src/cli/bin.ts',
  'cli/user-secrets-bin': 'src/cli/user-secrets-bin.ts',
  'cli/headless-supervisor': 'src/cli/headless-supervisor.ts',
};

// No source maps: the bundles are not minified and keep their names, and a map would point into src/, which the
// package does not ship (with the sources inside, the maps were 2.8 MB of the 4.5 MB package).
const { metafile } = await build({
  entryPoints: { ...library, ...executables },
  outdir: 'dist/bundle',
  bundle: true,
  external,
  splitting: true,
  keepNames: true, // getPassword, not getPassword2, in users' stack traces
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// The CommonJS build needs the library's entry points and the chunks they load, not the executables' own chunks.
const libraryFiles = new Set(Object.keys(library).map((name) => `dist/bundle/${name}.js`));
for (const file of libraryFiles) {
  for (const { path, external: isExternal } of metafile.outputs[file].imports) {
    if (!isExternal) libraryFiles.add(path);
  }
}
await build({
  entryPoints: [...libraryFiles],
  outbase: 'dist/bundle',
  outdir: 'dist/cjs',
  bundle: false,
  format: 'cjs',
  // import() of a chunk or of Node's modules becomes require(): CommonJS code loading CommonJS, without starting
  // Node's ES module loader for it.
  supported: { 'dynamic-import': false },
  platform: 'node',
  target: 'node20',
  legalComments: 'inline', // the pointers to the .LEGAL.txt files the first build wrote, copied next to them below
  logLevel: 'warning',
  // keyring-file/portal-process.ts reads `import.meta.url` only where `__filename` does not exist (ES modules).
  logOverride: { 'empty-import-meta': 'silent' },
});
for (const file of readdirSync('dist/bundle', { recursive: true, encoding: 'utf8' })) {
  if (file.endsWith('.LEGAL.txt')) copyFileSync(`dist/bundle/${file}`, `dist/cjs/${file}`);
}

for (const bin of ['cli/bin.js', 'cli/user-secrets-bin.js']) chmodSync(`dist/bundle/${bin}`, 0o755);

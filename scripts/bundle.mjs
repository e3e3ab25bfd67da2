// Bundles the entry points (with their pure-JS dependencies) into a few files instead of ~40 small ones, which
// halves the time to import the library in a cold process (see README, Performance). Types stay where tsc writes
// them: dist/esm and dist/cjs.
// - First an ES module bundle of the entry points, the code they share split into chunks (one copy of every class).
// - dist/cjs: those files converted to CommonJS one by one (esbuild cannot split a CommonJS bundle; bundling each
//   entry point alone would give each its own copy of the core, and `instanceof` would fail across entry points).
// - dist/bundle: what `import` resolves to, one small ES module per entry point that re-exports dist/cjs (Node's
//   "ES module wrapper" for dual packages): a process where some code imports the package and other code requires
//   it still has one copy of each class and one shared connection per bus, not two.
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { build } from 'esbuild';

// dotenv is an optional peer dependency: the user's own copy, loaded when installed, never one bundled here (bundled,
// its CommonJS `require`s of Node's modules also fail inside an ES module).
const external = ['dotenv'];

const ENTRY_POINTS = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'keyring/index': 'src/keyring/index.ts',
  keytar: 'src/keytar.ts',
  'user-secrets/index': 'src/user-secrets/index.ts',
};
const ESM_BUNDLE = 'dist/.esm-bundle';

await build({
  entryPoints: ENTRY_POINTS,
  outdir: ESM_BUNDLE,
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

const files = readdirSync(ESM_BUNDLE, { recursive: true, encoding: 'utf8' });
await build({
  entryPoints: files.filter((file) => file.endsWith('.js')).map((file) => `${ESM_BUNDLE}/${file}`),
  outbase: ESM_BUNDLE,
  outdir: 'dist/cjs',
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'inline', // the pointers to the .LEGAL.txt files the first build wrote, copied next to them below
  logLevel: 'warning',
});
for (const file of files.filter((name) => name.endsWith('.LEGAL.txt')))
  copyFileSync(`${ESM_BUNDLE}/${file}`, `dist/cjs/${file}`);
rmSync(ESM_BUNDLE, { recursive: true });

// The ES module wrappers: every name the CommonJS entry point exports, re-exported (values, not live bindings: the
// package exports functions, classes and constants only).
const require = createRequire(import.meta.url);
for (const entry of Object.keys(ENTRY_POINTS)) {
  const wrapper = `dist/bundle/${entry}.js`;
  const target = relative(dirname(wrapper), `dist/cjs/${entry}.js`); // ../cjs/…, ../../cjs/…
  const exported = require(`../dist/cjs/${entry}.js`);
  const names = Object.keys(exported).filter((name) => name !== 'default');
  const lines = [`import cjs from '${target}';`, `export const { ${names.join(', ')} } = cjs;`];
  if ('default' in exported) lines.push('export default cjs.default;');
  mkdirSync(dirname(wrapper), { recursive: true });
  writeFileSync(wrapper, `${lines.join('\n')}\n`);
}

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

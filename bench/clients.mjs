// @ts-check
/** The clients the benchmark compares, how to start each one's process, and what each can do. */
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (/** @type {string} */ path) => fileURLToPath(new URL(path, import.meta.url));
export const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';

/**
 * @typedef {{
 *   id: string,
 *   label: string,
 *   peer: boolean,
 *   command: (stage: string, options: object) => string[],
 *   concurrentBatches?: number,
 *   stages?: string[],
 * }} Client
 * `concurrentBatches` caps the timed batches of the client's concurrent phase per round (the runner's --batches);
 * `stages`, when given, says which of the sequential and growth stages the client runs (default: both).
 */

/** @param {string} script @param {string[]} leading @param {string[]} nodeFlags */
const node =
  (script, leading = [], nodeFlags = []) =>
  (/** @type {string} */ stage, /** @type {object} */ options) => [
    process.execPath,
    ...nodeFlags,
    here(script),
    ...leading,
    stage,
    JSON.stringify(options),
  ];

/** @param {string} id */
const python = (id) => (/** @type {string} */ stage, /** @type {object} */ options) => [
  PYTHON,
  here('./clients/python-peers.py'),
  id,
  stage,
  JSON.stringify(options),
];

/** The Secret Service clients, this library first. @type {Client[]} */
export const CLIENTS = [
  { id: 'this', label: 'secretstorage (this)', peer: false, command: node('./clients/this-library.mjs') },
  { id: 'libsecret', label: 'libsecret (C, via gi)', peer: true, command: python('libsecret') },
  { id: 'python-secretstorage', label: 'SecretStorage (Python)', peer: true, command: python('python-secretstorage') },
  { id: 'python-keyring', label: 'keyring (Python)', peer: true, command: python('python-keyring') },
  {
    id: 'napi-keyring',
    label: '@napi-rs/keyring',
    peer: true,
    command: node('./clients/node-peers.mjs', ['napi-keyring']),
    // Each of its concurrent gets opens a D-Bus connection and an encrypted session of its own, and gnome-keyring 42.1
    // has died (SIGTRAP) or stopped answering after a few batches of 300 of them; one timed batch per round keeps its
    // delete figures (a failed client's later phases are lost).
    concurrentBatches: 1,
  },
  { id: 'keytar', label: 'keytar', peer: true, command: node('./clients/node-peers.mjs', ['keytar']) },
  {
    id: 'this-keytar',
    label: 'secretstorage/keytar (this)',
    peer: false,
    command: node('./clients/node-peers.mjs', ['this-keytar']),
  },
  {
    // The same client with V8 held to its baseline tiers (no Maglev, no TurboFan): what the optimising compilers'
    // work on other threads costs a get's tail on a machine with few cores (docs/performance.md). A process-wide
    // setting, so the library never sets it; a program may, with `node --max-opt=1`.
    id: 'this-baseline',
    label: 'secretstorage (this), node --max-opt=1',
    peer: false,
    command: node('./clients/this-library.mjs', [], ['--max-opt=1']),
    stages: ['sequential'],
  },
];

/** One raw D-Bus round trip from each transport: the floor under every client. @type {Client[]} */
export const FLOORS = [
  { id: 'this', label: 'secretstorage transport (src/dbus)', peer: false, command: node('./clients/this-library.mjs') },
  {
    id: 'dbus-next',
    label: 'dbus-next MessageBus',
    peer: true,
    command: node('./clients/node-peers.mjs', ['dbus-next']),
  },
  { id: 'jeepney', label: 'jeepney (Python, blocking)', peer: true, command: python('jeepney') },
];

/**
 * The cold-start commands, run as whole processes. `client` (else `id`) names the entry of CLIENTS whose selection
 * includes the command; baselines always run.
 */
export const COLD_STARTS = [
  { id: 'node-e-0', label: '`node -e 0`', command: [process.execPath, '-e', '0'], baseline: true },
  {
    id: 'empty-esm',
    label: 'an empty ES module (`node empty.mjs`)',
    command: [process.execPath, here('./clients/empty.mjs')],
    baseline: true,
  },
  {
    id: 'js-floor',
    label: 'the least a JavaScript process can do (`cold-start-floor.mjs`: no library, plain session, no checks)',
    command: [process.execPath, here('./clients/cold-start-floor.mjs')],
    baseline: true,
  },
  {
    id: 'this',
    label: 'secretstorage (this), `import`',
    command: [process.execPath, here('./clients/cold-start.mjs')],
  },
  {
    id: 'this-require',
    label: 'secretstorage (this), `require`',
    command: [process.execPath, here('./clients/cold-start.cjs')],
    client: 'this',
  },
  {
    id: 'this-cli',
    label: '`secretstorage get` (this, the CLI)',
    command: [process.execPath, here('../dist/bundle/cli/bin.js'), 'get', 'bench-cold', 'user'],
    client: 'this',
  },
  {
    id: 'secret-tool',
    label: '`secret-tool lookup` (libsecret)',
    command: ['secret-tool', 'lookup', 'service', 'bench-cold', 'username', 'user'],
  },
  {
    id: 'napi-keyring',
    label: '@napi-rs/keyring',
    command: [process.execPath, here('./clients/cold-start-napi.mjs')],
  },
  {
    id: 'python-secretstorage',
    label: 'SecretStorage (Python)',
    command: [PYTHON, here('./clients/python-peers.py'), 'python-secretstorage', 'cold'],
  },
  ...compileCacheColdStarts(),
];

/**
 * Where Node has a module compile cache (22.1 and later), the CLI and a program that imports the library with the
 * cache off and on, so that the report shows what it saves. Both of each pair start through `env` to set the variable
 * (hyperfine runs commands without a shell), so they pay the same extra exec. The executables turn the cache on
 * themselves (in the OS's temporary directory unless NODE_COMPILE_CACHE says where); a program turns it on with
 * NODE_COMPILE_CACHE, as the library does not decide it for the program that imports it.
 */
function compileCacheColdStarts() {
  if (typeof (/** @type {{ enableCompileCache?: unknown }} */ (module).enableCompileCache) !== 'function') return [];
  const off = ['env', 'NODE_DISABLE_COMPILE_CACHE=1', process.execPath];
  const on = ['env', `NODE_COMPILE_CACHE=${join(tmpdir(), 'secretstorage-bench-compile-cache')}`, process.execPath];
  const cli = [here('../dist/bundle/cli/bin.js'), 'get', 'bench-cold', 'user'];
  const program = [here('./clients/cold-start.mjs')];
  return [
    {
      id: 'this-cli-cache-off',
      label: '`secretstorage get`, compile cache off',
      command: [...off, ...cli],
      client: 'this',
    },
    {
      id: 'this-cli-cache-on',
      label: '`secretstorage get`, compile cache on',
      command: [...on, ...cli],
      client: 'this',
    },
    {
      id: 'this-cache-off',
      label: 'secretstorage (this), `import`, compile cache off',
      command: [...off, ...program],
      client: 'this',
    },
    {
      id: 'this-cache-on',
      label: 'secretstorage (this), `import`, compile cache on',
      command: [...on, ...program],
      client: 'this',
    },
  ];
}

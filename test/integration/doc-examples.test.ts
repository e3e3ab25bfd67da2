/**
 * Every code example of README.md and docs/*.md, run the way a reader runs it: each block marked `runnable` is written
 * into a fresh project whose `node_modules/secretstorage` is this (built) package, and run there against a private
 * gnome-keyring (```js with node, ```ts with tsx, ```sh with bash -e, `npx` finding the package's executables). The
 * TypeScript and JavaScript ones are also typechecked against the package's published types. A ```js or ```ts block
 * that is neither runnable nor a repository file (`file=PATH`) fails the first test, so no example goes unrun.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allBlocks, CHECKED_LANGUAGES, type DocBlock } from '../helpers/doc-blocks.js';
import { useKeyring } from '../helpers/keyring.js';
import { finished, killWhenTestEnds, REPO_ROOT } from '../helpers/processes.js';

const blocks = allBlocks();
const runnable = blocks.filter((block) => block.runnable);
const name = (block: DocBlock) => `${block.document}:${block.line} (${block.lang})`;

/**
 * Values the shell examples read from the environment, as a reader would have them set; and git configured as
 * docs/git-credential.md tells the reader to, with no other configuration and no terminal prompt.
 */
const EXAMPLE_ENV = {
  TOKEN: 'example-token',
  OPENAI_API_KEY: 'sk-example-key',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'credential.helper',
  GIT_CONFIG_VALUE_0: '',
  GIT_CONFIG_KEY_1: 'credential.helper',
  GIT_CONFIG_VALUE_1: '!secretstorage git-credential',
};

/** What a reader's `server.js` stands for in the shell examples: a program that reads its secrets from the environment. */
const SERVER_JS = "console.log(`server.js: OPENAI_API_KEY is ${process.env.OPENAI_API_KEY ? 'set' : 'missing'}`);\n";

const root = mkdtempSync(join(tmpdir(), 'secretstorage-doc-examples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh project directory where `secretstorage` and its executables resolve to this package, as after npm install. */
function project(label: string): string {
  const dir = mkdtempSync(join(root, `${label.replace(/[^a-z0-9]+/gi, '-')}-`));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'secretstorage'));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const [bin, target] of Object.entries(pkg.bin)) {
    symlinkSync(join('..', 'secretstorage', target), join(dir, 'node_modules', '.bin', bin));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  writeFileSync(join(dir, 'server.js'), SERVER_JS);
  return dir;
}

function exampleEnv(dir: string, address: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'SECRETSTORAGE_TEST_ADDRESS'),
  );
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    ...EXAMPLE_ENV,
    DBUS_SESSION_BUS_ADDRESS: address,
    HOME: home,
    PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
  };
}

const FILE_NAMES: Record<string, string> = {
  js: 'example.mjs',
  mjs: 'example.mjs',
  ts: 'example.mts',
  sh: 'example.sh',
};

function command(block: DocBlock, file: string): [string, string[]] {
  switch (block.lang) {
    case 'js':
    case 'mjs':
      return [process.execPath, [file]];
    case 'ts':
      return [process.execPath, ['--import', join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs'), file]];
    case 'sh':
      return ['bash', ['-e', '-o', 'pipefail', file]];
    default:
      throw new Error(`${name(block)}: no way to run a "${block.lang}" block (js, ts or sh)`);
  }
}

describe('the code examples in README.md and docs/', () => {
  it('need the built package', () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'bundle', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('are all runnable or repository files, for JavaScript and TypeScript', () => {
    const unchecked = blocks.filter((b) => CHECKED_LANGUAGES.has(b.lang) && !b.runnable && !b.file).map(name);
    expect(unchecked, 'mark each as `runnable` (and make it run), or show a file with `file=PATH`').toEqual([]);
    expect(runnable.length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks.filter((block) => block.file).map((block) => [name(block), block] as const))(
    '%s is its file verbatim',
    (_, block) => {
      expect(block.code).toBe(readFileSync(join(REPO_ROOT, block.file!), 'utf8'));
    },
  );
});

describe('each runnable example, against a private gnome-keyring', () => {
  const k = useKeyring();

  it.each(runnable.map((block) => [name(block), block] as const))(
    '%s runs',
    async (_, block) => {
      const dir = project(`${block.document}-${block.line}`);
      const file = join(dir, FILE_NAMES[block.lang] ?? 'example');
      writeFileSync(file, block.code);
      const [program, args] = command(block, file);
      const child = killWhenTestEnds(
        spawn(program, args, { cwd: dir, env: exampleEnv(dir, k.address), stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      const result = await finished(child);
      expect(result.code, `${name(block)}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      if (block.output !== undefined) expect(result.stdout).toBe(block.output);
    },
    120_000,
  );

  it('the JavaScript and TypeScript ones typecheck against the package’s types', async () => {
    const dir = project('typecheck');
    const checked = runnable.filter((block) => block.lang === 'js' || block.lang === 'ts');
    const files = checked.map((block, index) => {
      const file = `block-${index}.${block.lang === 'ts' ? 'mts' : 'mjs'}`;
      writeFileSync(join(dir, file), block.code);
      return file;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2024', 'ESNext.Disposable'],
          types: ['node'],
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
          strict: true,
          allowJs: true,
          checkJs: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files,
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await finished(
      killWhenTestEnds(spawn(process.execPath, [tsc, '-p', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })),
    );
    const where = files.map((file, index) => `${file}: ${name(checked[index])}`).join('\n');
    expect(result.code, `${result.stdout}${result.stderr}\n${where}`).toBe(0);
  }, 120_000);
});

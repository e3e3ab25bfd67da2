/**
 * Installing the package as its users do, from what is in this working tree: a git repository holding its files (as
 * `npm install git+https://…` sees the project) and the tarball `npm pack` makes of it (what the registry serves),
 * each installed into an empty project. The copy keeps `npm pack`'s fresh build away from this checkout's dist/, which
 * other test files are using at the same time.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './processes.js';

const exec = promisify(execFile);

/** npm without its update check; `prefer-offline` so that installs take packages from the cache `npm ci` filled. */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return exec('npm', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      ...env,
    },
  });
}

/** Whether `git` can be run here. */
export async function hasGit(): Promise<boolean> {
  return exec('git', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * A copy in `dir` of this working tree as it is now (tracked files with their changes, and new files git does not
 * ignore), so the test sees uncommitted work as well. Returns its path.
 */
function copyWorkingTree(dir: string, files: string[]): string {
  const repo = `${dir}/repo`;
  for (const file of files) {
    if (!existsSync(`${REPO_ROOT}${file}`)) continue; // deleted in the working tree
    mkdirSync(dirname(`${repo}/${file}`), { recursive: true });
    copyFileSync(`${REPO_ROOT}${file}`, `${repo}/${file}`);
  }
  return repo;
}

/** What `git ls-files` lists of this working tree: tracked files and new ones git does not ignore. */
async function gitFiles(): Promise<string[]> {
  const listed = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return listed.stdout.split('\0').filter(Boolean);
}

/** Folders of a checkout that are not its sources (as .gitignore and .dockerignore say). */
const NOT_SOURCES = new Set(['.git', 'node_modules', 'dist', 'coverage']);

/**
 * The files of this working tree: git's list in a git checkout, or every file outside the folders that are not
 * sources where there is no git or no repository (the Docker image of the suite has neither).
 */
async function workingTreeFiles(): Promise<string[]> {
  return gitFiles().catch(() => filesUnder(''));
}

function filesUnder(folder: string): string[] {
  return readdirSync(`${REPO_ROOT}${folder}`, { withFileTypes: true }).flatMap((entry) => {
    if (NOT_SOURCES.has(entry.name)) return [];
    const path = `${folder}${entry.name}`;
    return entry.isDirectory() ? filesUnder(`${path}/`) : entry.isFile() ? [path] : [];
  });
}

/**
 * A git repository in `dir` with one commit of this working tree as it is now (tracked files with their changes, and
 * new files git does not ignore), so the test sees uncommitted work as well. Returns its path.
 */
export async function commitWorkingTree(dir: string): Promise<string> {
  const repo = copyWorkingTree(dir, await workingTreeFiles());
  const git = (args: string[]) =>
    exec('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', ...args], { cwd: repo });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'working tree']);
  return repo;
}

/**
 * `npm pack` in a copy of this working tree (its `prepack` builds dist/ afresh there, with this checkout's
 * node_modules). Returns the tarball's path and the files it holds.
 */
export async function packWorkingTree(dir: string): Promise<{ tarball: string; files: string[] }> {
  const repo = copyWorkingTree(dir, await workingTreeFiles());
  symlinkSync(`${REPO_ROOT}node_modules`, `${repo}/node_modules`);
  const packed = await npm(['pack', '--json', '--pack-destination', dir], repo);
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  return { tarball: `${dir}/${filename}`, files: files.map((file) => file.path) };
}

/** An empty project (an ES module package unless `type` says otherwise) in a new folder of `dir`. */
export function emptyProject(dir: string, name: string): string {
  const app = `${dir}/${name}`;
  mkdirSync(app);
  writeFileSync(`${app}/package.json`, JSON.stringify({ name, private: true, type: 'module' }));
  return app;
}

/** A new temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(`${tmpdir()}/${prefix}`);
}

/** The entry points of package.json's `exports` (`secretstorage`, `secretstorage/keytar`, …) and its `bin` names. */
export function packageSurface(): { entryPoints: string[]; bins: string[]; version: string } {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
    name: string;
    version: string;
    exports: Record<string, unknown>;
    bin: Record<string, string>;
  };
  const entryPoints = Object.keys(pkg.exports)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
  return { entryPoints, bins: Object.keys(pkg.bin), version: pkg.version };
}

/**
 * In the project `app`, imports and requires every entry point and runs every executable (`--version` for
 * secretstorage, `--help` for the others); resolves to what each printed, for the caller to check.
 */
export async function useEveryEntryPoint(app: string): Promise<{
  imported: Record<string, string[]>;
  required: Record<string, string[]>;
  bins: Record<string, string>;
}> {
  const { entryPoints, bins } = packageSurface();
  const node = (args: string[]) => exec(process.execPath, args, { cwd: app, encoding: 'utf8' });
  const listExports = (load: string) =>
    `const result = {}; for (const name of ${JSON.stringify(entryPoints)}) result[name] = Object.keys(${load}).sort(); console.log(JSON.stringify(result));`;
  const imported = JSON.parse(
    (await node(['--input-type=module', '-e', listExports('await import(name)')])).stdout,
  ) as Record<string, string[]>;
  const required = JSON.parse((await node(['-e', listExports('require(name)')])).stdout) as Record<string, string[]>;
  const printed: Record<string, string> = {};
  for (const bin of bins) {
    const args = bin === 'secretstorage' ? ['--version'] : ['--help'];
    printed[bin] = (await exec(`${app}/node_modules/.bin/${bin}`, args, { cwd: app, encoding: 'utf8' })).stdout;
  }
  return { imported, required, bins: printed };
}

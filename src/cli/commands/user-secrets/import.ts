/**
 * `user-secrets import`: bring secrets in from python-env-secrets' plaintext `.secrets` files, a `.env` file, or
 * dotnet-style JSON; then, once they are verified in the keyring, offer to delete the plaintext source.
 */
import { lstat, readFile, realpath, rmdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { dotenvParser, unreadDotenvLines } from '../../../user-secrets/dotenv-parse.js';
import { flattenDotnetJson } from '../../../user-secrets/dotnet-json.js';
import { SecretsFormatError } from '../../../user-secrets/errors.js';
import { applyImport, planImport, type ConflictPolicy, type ImportPlan } from '../../../user-secrets/import.js';
import { ID_KEYS, requireProjectId, normaliseProjectId } from '../../../user-secrets/project-id.js';
import {
  findPythonEnvSecretsFiles,
  looksLikePythonEnvSecrets,
  parsePythonEnvSecrets,
  unreadPythonEnvSecretsLines,
} from '../../../user-secrets/python-env-secrets.js';
import type { CliIO } from '../../command.js';
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { UsageError } from '../../usage-error.js';
import { askYesNo, canAsk } from './confirm.js';
import { note, withManager, type Context, type Subcommand } from './context.js';
import { decodeUtf8 } from '../../../utf8.js';

type Format = 'pes' | 'dotenv' | 'json';

interface Source {
  /** A file path, or undefined for stdin. */
  path?: string;
  description: string;
  text: string;
  /** A python-env-secrets layout, when found by id. */
  layout?: string;
}

/**
 * The text of an import source. Bytes that are not UTF-8 are refused rather than turned into U+FFFD: the secrets
 * read back would match what was decoded, not what the file holds, and the file could then be deleted.
 */
function decodeSource(bytes: Buffer, description: string): string {
  const text = decodeUtf8(bytes);
  if (text !== undefined) return text;
  throw new SecretsFormatError(
    `${description} is not UTF-8 text (python-env-secrets and dotenv files are UTF-8). Convert it first, e.g. ` +
      '`iconv -f latin1 -t utf-8 FILE > FILE.utf8`, and import that. Nothing was imported.',
  );
}

async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return decodeSource(Buffer.concat(chunks), 'standard input');
}

async function readSourceFile(path: string, description: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(
      `cannot read ${description} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
    );
  }
  return decodeSource(bytes, description);
}

/** The python-env-secrets file of the project's id, current layout first. */
async function pythonEnvSecretsSource(context: Context): Promise<Source> {
  const { io, values, projectDir } = context;
  const id = values.id !== undefined ? normaliseProjectId(values.id, '--id') : (await requireProjectId(projectDir)).id;
  const home = io.env.HOME || homedir();
  const [file, other] = await findPythonEnvSecretsFiles(home, id);
  if (!file) {
    throw new UsageError(
      `no python-env-secrets file for id ${id}: looked for ${home}/.python/envsecrets/${id}/.secrets and ` +
        `${home}/.python/usersecrets/${id}/.secrets. Give a file to import instead (\`user-secrets import FILE\`).`,
    );
  }
  if (other)
    note(
      io,
      `user-secrets import: ${other.path} (older layout) exists too; import it with \`user-secrets import ${other.path}\`.`,
    );
  return {
    path: file.path,
    description: file.path,
    text: await readSourceFile(file.path, file.path),
    layout: file.layout,
  };
}

function detectFormat(text: string): Format {
  if (looksLikePythonEnvSecrets(text)) return 'pes';
  if (text.trimStart().startsWith('{')) return 'json';
  return 'dotenv';
}

async function parseSource(source: Source, format: Format): Promise<{ entries: Map<string, string>; nulls: string[] }> {
  if (format === 'json') return flattenDotnetJson(source.text, source.description);
  const entries =
    format === 'pes'
      ? parsePythonEnvSecrets(source.text)
      : new Map(Object.entries((await dotenvParser()).parse(source.text)));
  for (const key of ID_KEYS) entries.delete(key);
  return { entries, nulls: [] };
}

function policyOf(values: Context['values']): ConflictPolicy {
  if (values.overwrite && values['skip-existing'])
    throw new UsageError('--overwrite and --skip-existing contradict each other.');
  return values.overwrite ? 'overwrite' : values['skip-existing'] ? 'skip' : 'fail';
}

function describePlan(plan: ImportPlan, dryRun: boolean): string[] {
  const list = (keys: string[]) => (keys.length ? `: ${keys.join(', ')}` : '');
  const verb = dryRun ? 'Would import' : 'Imported';
  return [
    `${verb} ${plan.added.length} new key(s)${list(plan.added)}`,
    ...(plan.changed.length
      ? [`${dryRun ? 'Would replace' : 'Replaced'} ${plan.changed.length}${list(plan.changed)}`]
      : []),
    ...(plan.unchanged.length
      ? [`Already stored with the same value: ${plan.unchanged.length}${list(plan.unchanged)}`]
      : []),
    ...(plan.skipped.length
      ? [`Kept existing different value (--skip-existing): ${plan.skipped.length}${list(plan.skipped)}`]
      : []),
  ];
}

/**
 * Why the source must stay even if its deletion is asked for, or undefined: it changed since it was read (something
 * wrote to it during the import), it is a symlink (deleting the link would leave the plaintext where it points), or
 * some of its lines were not imported.
 */
async function reasonToKeep(source: Source & { path: string }, unread: number[]): Promise<string | undefined> {
  if (unread.length) {
    return `line(s) ${unread.join(', ')} of it were not understood as KEY=VALUE and were not imported`;
  }
  try {
    if ((await lstat(source.path)).isSymbolicLink()) {
      return `it is a symbolic link to ${await realpath(source.path)}, which deleting the link would leave in place`;
    }
    if (!(await readFile(source.path)).equals(Buffer.from(source.text, 'utf8'))) {
      return 'it changed while the secrets were being imported';
    }
  } catch (error) {
    return `it cannot be read again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  return undefined;
}

/** Deletes the plaintext source after a verified import, if asked (flag or y/N on a terminal). */
async function removeSource(context: Context, source: Source, unread: number[]): Promise<boolean> {
  const { io, values } = context;
  if (!source.path || values['keep-source']) return false;
  const holdsProjectId = ID_KEYS.some((key) => new RegExp(`^\\s*(?:export\\s+)?${key}\\s*=`, 'm').test(source.text));
  if (holdsProjectId) {
    if (values['remove-source'])
      note(io, `Not deleting ${source.path}: it holds the project id. Remove the imported lines by hand.`);
    return false;
  }
  const remove =
    Boolean(values['remove-source']) ||
    (!values.json &&
      canAsk(io) &&
      (await askYesNo(io, `Delete the plaintext file ${source.path} now that its secrets are in the keyring?`)));
  if (!remove) {
    if (!values.json)
      note(io, `The plaintext file ${source.path} is still there; delete it when you no longer need it.`);
    return false;
  }
  const keep = await reasonToKeep({ ...source, path: source.path }, unread);
  if (keep) {
    note(io, `Not deleting ${source.path}: ${keep}. Check it, then delete it by hand.`);
    return false;
  }
  try {
    await unlink(source.path);
  } catch (error) {
    note(
      io,
      `The secrets are imported and verified, but ${source.path} could not be deleted ` +
        `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); delete it by hand.`,
    );
    return false;
  }
  if (source.layout) await rmdir(dirname(source.path)).catch(() => undefined);
  note(io, `Deleted ${source.path} (deleting does not securely erase it from the disk or from backups).`);
  return true;
}

export const importSubcommand: Subcommand = {
  name: 'import',
  summary: 'Import from python-env-secrets, a .env file or dotnet JSON',
  help: `import [FILE | -] [--format auto|pes|dotenv|json] [--overwrite | --skip-existing] [--dry-run]
       [--remove-source | --keep-source] [--init]
  Without FILE, imports the project's python-env-secrets file: ~/.python/envsecrets/<id>/.secrets, else the older
  ~/.python/usersecrets/<id>/.secrets (the id from .env's ENV_SECRETS_ID or USER_SECRETS_ID, or --id), read
  exactly as python-env-secrets reads it. FILE may be such a .secrets file, a .env file or JSON; - reads stdin
  (e.g. \`cat secrets.json | user-secrets import -\`, dotnet's \`set\` input: nested keys flattened with ":").
  --format auto (default) picks pes for a file starting with python-env-secrets' header, json for one starting
  with "{", else dotenv. ENV_SECRETS_ID and USER_SECRETS_ID are never imported.
  A key that already holds a different value stops the import before anything is written (exit 6) unless
  --overwrite or --skip-existing. --dry-run shows what would happen (key names only). After writing, every key is
  read back and compared; only then is deleting the plaintext file offered (--remove-source deletes it, on a
  terminal you are asked, --keep-source never). A failure part of the way names the keys imported and not.`,
  options: {
    format: { type: 'string' },
    overwrite: { type: 'boolean' },
    'skip-existing': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'remove-source': { type: 'boolean' },
    'keep-source': { type: 'boolean' },
    init: { type: 'boolean' },
  },
  positionals: { min: 0, max: 1, names: '[FILE | -]' },
  async run(context) {
    const { io, values, positionals } = context;
    const policy = policyOf(values);
    const requested = (values.format as string | undefined) ?? 'auto';
    if (!['auto', 'pes', 'dotenv', 'json'].includes(requested)) {
      throw new UsageError(`--format expects auto, pes, dotenv or json, got ${JSON.stringify(requested)}.`);
    }
    const [file] = positionals;
    const source: Source =
      file === undefined
        ? await pythonEnvSecretsSource(context)
        : file === '-'
          ? { description: 'standard input', text: await readStdin(io) }
          : { path: file, description: file, text: await readSourceFile(file, file) };
    // The project's own python-env-secrets file is read as that tool reads it, header or not.
    const format = requested !== 'auto' ? (requested as Format) : source.layout ? 'pes' : detectFormat(source.text);
    const { entries, nulls } = await parseSource(source, format);
    // Lines read as no secret keep the source file, whatever --remove-source says (a value cut short is lost else).
    const unread =
      format === 'dotenv'
        ? unreadDotenvLines(source.text, [...entries.keys(), ...ID_KEYS])
        : format === 'pes'
          ? unreadPythonEnvSecretsLines(source.text)
          : [];
    if (unread.length && !values.json)
      note(io, `user-secrets import: line(s) ${unread.join(', ')} not understood as KEY=VALUE; not imported.`);
    if (nulls.length) note(io, `user-secrets import: null values are not imported: ${nulls.join(', ')}`);
    if (entries.size === 0) throw new SecretsFormatError(`${source.description} holds no secrets to import.`);
    const dryRun = Boolean(values['dry-run']);
    const outcome = await withManager(
      context,
      async (manager) => {
        const plan = await planImport(manager, entries, policy);
        if (!dryRun) await applyImport(manager, plan);
        return plan;
      },
      { init: Boolean(values.init) && !dryRun },
    );
    if (!values.json) {
      for (const line of describePlan(outcome, dryRun)) note(io, line);
      if (!dryRun) note(io, 'Every imported key was read back from the keyring and matches.');
    }
    const removedSource = dryRun ? false : await removeSource(context, source, unread);
    if (values.json) {
      const { added, changed, unchanged, skipped } = outcome;
      writeJson(io, {
        source: source.description,
        format,
        dryRun,
        added,
        changed,
        unchanged,
        skipped,
        nulls,
        verified: !dryRun,
        removedSource,
      });
    }
    return EXIT.ok;
  },
};

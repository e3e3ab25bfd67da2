/**
 * python-env-secrets' `.secrets` files: where they are, and reading them exactly as that tool does (its
 * `_read_dotenv`, python-env-secrets@32d4119 manager.py), because they are not reliably dotenv: values are written
 * without escaping, `"say "hi""` keeps its inner quotes, `#` is never an inline comment, there are no multi-line
 * values. The rules, line by line after Python's universal-newline split (`\n`, `\r\n`, `\r`):
 * strip (Python's whitespace set), skip empty and `#` lines, drop one leading `export `, skip lines without `=`,
 * split at the first `=`, strip key and value, remove one pair of matching outer `"` or `'`. A later duplicate wins.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretsFormatError } from './errors.js';
import { decodeUtf8 } from '../utf8.js';

/** Python's `str.isspace()` characters, which `str.strip()` removes. */
const PYTHON_WHITESPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, 'g');

function pythonStrip(text: string): string {
  return text.replace(STRIP, '');
}

/** Each line of a `.secrets` file as the tool reads it: a key and value, passed over (blank, comment), or no `=`. */
function secretsLines(text: string): ({ key: string; value: string } | 'blank' | 'unread')[] {
  return text.split(/\r\n|\r|\n/).map((rawLine) => {
    let line = pythonStrip(rawLine);
    if (line === '' || line.startsWith('#')) return 'blank';
    if (line.startsWith('export ')) line = line.slice('export '.length);
    const equals = line.indexOf('=');
    if (equals === -1) return 'unread';
    const key = pythonStrip(line.slice(0, equals));
    let value = pythonStrip(line.slice(equals + 1));
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[0] === value[value.length - 1]) {
      value = value.slice(1, -1);
    }
    return { key, value };
  });
}

/** The key-value pairs of a `.secrets` file's text, in first-seen order with the last value of each key. */
export function parsePythonEnvSecrets(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of secretsLines(text)) if (typeof line === 'object') result.set(line.key, line.value);
  return result;
}

/** The (1-based) lines of a `.secrets` file's text that python-env-secrets passes over without a word: no `=`. */
export function unreadPythonEnvSecretsLines(text: string): number[] {
  const unread: number[] = [];
  secretsLines(text).forEach((line, index) => {
    if (line === 'unread') unread.push(index + 1);
  });
  return unread;
}

/** Whether the text starts with the header python-env-secrets writes (current or pre-rename). */
export function looksLikePythonEnvSecrets(text: string): boolean {
  return /^(# Python Env Secrets|# Python User Secrets)\r?\n/.test(text);
}

/**
 * Reads a `.secrets` file as python-env-secrets does (strict UTF-8; a byte-order mark is kept, as Python's `utf-8`
 * codec keeps it).
 * @throws SecretsFormatError when the file is not UTF-8, the file system's error when it cannot be read.
 */
export async function readPythonEnvSecretsFile(path: string): Promise<Map<string, string>> {
  const bytes = await readFile(path);
  const text = decodeUtf8(bytes, true);
  bytes.fill(0);
  if (text === undefined) {
    throw new SecretsFormatError(
      `${path} is not valid UTF-8, so python-env-secrets could not read it either; nothing was imported.`,
    );
  }
  return parsePythonEnvSecrets(text);
}

/** python-env-secrets' base folders on Linux and macOS: the current one first, then the pre-rename one. */
export function pythonEnvSecretsBaseDirs(home: string): { layout: 'envsecrets' | 'usersecrets'; dir: string }[] {
  return [
    { layout: 'envsecrets', dir: join(home, '.python', 'envsecrets') },
    { layout: 'usersecrets', dir: join(home, '.python', 'usersecrets') },
  ];
}

export interface PythonEnvSecretsFile {
  layout: 'envsecrets' | 'usersecrets';
  path: string;
}

/**
 * The `.secrets` files python-env-secrets keeps for project `id` under `home`, current layout first. The id's
 * folder is matched without regard to case (python-env-secrets uses the id exactly as written in `.env`).
 */
export async function findPythonEnvSecretsFiles(home: string, id: string): Promise<PythonEnvSecretsFile[]> {
  const found: PythonEnvSecretsFile[] = [];
  for (const { layout, dir } of pythonEnvSecretsBaseDirs(home)) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.toLowerCase() !== id.toLowerCase()) continue;
      const path = join(dir, entry.name, '.secrets');
      if ((await stat(path).catch(() => undefined))?.isFile()) found.push({ layout, path });
    }
  }
  return found;
}

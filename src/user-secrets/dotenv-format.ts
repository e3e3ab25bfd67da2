/**
 * Writing secrets as a `.env` file that dotenv parses back to exactly the same strings. dotenv has no escape
 * for quotes, so each value gets the first quoting that can carry it:
 *   'single'  when it has no `'` (newlines are kept raw; nothing inside is interpreted);
 *   `backtick` when it has no backtick (the same rules);
 *   "double"  when it has no `"` and no backslash before `n` or `r` (newlines and carriage returns are written as
 *             `\n` and `\r`, which dotenv turns back; a raw CR would be read as a line break);
 *   unquoted  when it has every quote kind but no `#`, line break, or surrounding whitespace and does not start
 *             with a quote.
 * A value with a carriage return can only use double quotes. A value ending in a backslash is ambiguous in a quote
 * kind that appears later in the file as a possible closing quote (dotenv's `\'` handling), so that kind is then
 * avoided. Anything left (e.g. all three quote kinds and a newline) cannot be written as dotenv and is reported.
 * Node's own parser (`--env-file`, `util.parseEnv`) reads the same text identically, except for carriage returns,
 * which it cannot represent at all.
 */
import { environmentName } from './keys.js';

type Quoting = "'" | '`' | '"' | '';

/** In a later part of the file, an occurrence of `quote` that dotenv could take as the end of an earlier value. */
function closesLater(quote: Quoting, later: string): boolean {
  if (quote === '') return false;
  return new RegExp(`${quote}\\s*(?:#|$)`, 'm').test(later);
}

function canCarry(quote: Quoting, value: string): boolean {
  switch (quote) {
    case "'":
    case '`':
      return !value.includes(quote) && !value.includes('\r');
    case '"':
      return !value.includes('"') && !/\\[nr]/.test(value);
    case '':
      return value !== '' && !/^['"`]/.test(value) && !/[#\r\n\u2028\u2029]/.test(value) && value === value.trim();
  }
}

function quoteValue(quote: Quoting, value: string): string {
  if (quote === '"') return `"${value.replaceAll('\n', '\\n').replaceAll('\r', '\\r')}"`;
  return `${quote}${value}${quote}`;
}

/**
 * The dotenv form of one value, given the text that will follow it in the file (for the trailing-backslash rule),
 * or undefined when dotenv cannot carry it; without `carriageReturns`, also for a value holding a CR (for a file that
 * Node's parser will read, which has no way to write one).
 */
export function formatDotenvValue(value: string, later = '', carriageReturns = true): string | undefined {
  if (value === '') return '""';
  if (!carriageReturns && value.includes('\r')) return undefined;
  for (const quote of ["'", '`', '"', ''] as const) {
    if (!canCarry(quote, value)) continue;
    if (value.endsWith('\\') && closesLater(quote, later)) continue;
    return quoteValue(quote, value);
  }
  return undefined;
}

export interface DotenvDocument {
  /** The file's text (ends with a newline). */
  text: string;
  /** Keys left out because no dotenv form carries their value. */
  unrepresentable: string[];
  /** Keys written under another name (`:` → `__`, as dotenv keys cannot hold `:`), as [key, name]. */
  renamed: [string, string][];
}

/**
 * A dotenv file for `secrets` (keys in the given order), with an optional comment header (each line gets `# `);
 * `carriageReturns: false` when the file will be read by Node's parser (dotenv not installed), which cannot read a CR.
 * Lines are built from the last to the first, so that each value's quoting can take the text after it into account.
 */
export function formatDotenv(
  secrets: ReadonlyMap<string, string>,
  header?: string,
  options: { carriageReturns?: boolean } = {},
): DotenvDocument {
  const unrepresentable: string[] = [];
  const renamed: [string, string][] = [];
  const names = new Set<string>();
  const planned: [string, string, string][] = [];
  for (const [key, value] of secrets) {
    const name = environmentName(key);
    if (name !== key) {
      if (secrets.has(name) || names.has(name)) {
        unrepresentable.push(key);
        continue;
      }
      renamed.push([key, name]);
    }
    names.add(name);
    planned.push([key, name, value]);
  }
  let body = '';
  for (let index = planned.length - 1; index >= 0; index--) {
    const [key, name, value] = planned[index];
    const formatted = formatDotenvValue(value, body, options.carriageReturns ?? true);
    if (formatted === undefined) {
      unrepresentable.unshift(key);
      continue;
    }
    body = `${name}=${formatted}\n${body}`;
  }
  const comment =
    header === undefined
      ? ''
      : header
          .split('\n')
          .map((line) => `# ${line}\n`)
          .join('');
  return { text: comment + body, unrepresentable, renamed };
}

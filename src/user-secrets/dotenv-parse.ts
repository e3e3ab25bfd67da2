/**
 * Parsing `.env` text the way the application will: with dotenv when it is installed (an optional peer
 * dependency), else with Node's own parser (`util.parseEnv`, Node ≥ 20.12), which follows the same rules for
 * ordinary files.
 */
import * as util from 'node:util';
import { UserSecretsError } from './errors.js';

interface DotenvModule {
  parse(src: string): Record<string, string>;
}

export interface DotenvParser {
  /** `dotenv` or `node:util`. */
  name: 'dotenv' | 'node:util';
  parse(text: string): Record<string, string>;
}

let cached: Promise<DotenvParser> | undefined;

async function loadDotenv(): Promise<DotenvModule | undefined> {
  try {
    const module = (await import('dotenv')) as DotenvModule & { default?: DotenvModule };
    const dotenv = typeof module.parse === 'function' ? module : module.default;
    return typeof dotenv?.parse === 'function' ? dotenv : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The parser to use: dotenv if installed, else Node's.
 * @throws UserSecretsError when neither is available (Node < 20.12 without dotenv).
 */
export function dotenvParser(): Promise<DotenvParser> {
  cached ??= (async (): Promise<DotenvParser> => {
    const dotenv = await loadDotenv();
    if (dotenv) return { name: 'dotenv', parse: (text) => dotenv.parse(text) };
    const parseEnv = (util as { parseEnv?: (text: string) => Record<string, string | undefined> }).parseEnv;
    if (typeof parseEnv === 'function') {
      return {
        name: 'node:util',
        parse: (text) =>
          Object.fromEntries(
            Object.entries(parseEnv(withoutStrayLines(text))).filter(
              (entry): entry is [string, string] => entry[1] !== undefined,
            ),
          ),
      };
    }
    throw new UserSecretsError('Reading .env files needs dotenv (`npm install dotenv`) or Node 20.12 or later.');
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

/** What a line of `.env` text is: blank or a comment, an assignment (with its key), inside a quoted value, or stray. */
type EnvLine = { kind: 'blank' | 'quoted' | 'stray'; text: string } | { kind: 'assignment'; text: string; key: string };

/** The lines of `.env` text, each said what it is (a value's quote left open carries on to the lines after it). */
function envLines(text: string): EnvLine[] {
  let openQuote: string | undefined;
  return text.split('\n').map((line): EnvLine => {
    if (openQuote) {
      if (line.includes(openQuote)) openQuote = undefined;
      return { kind: 'quoted', text: line };
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'blank', text: line };
    // `s`: a value may hold U+2028 or a CR, which `.` would not match otherwise.
    const match = /^\s*(?:export\s+)?([^=#]*?)\s*=\s*(["'`])?(.*)$/s.exec(line);
    if (!match) return { kind: 'stray', text: line };
    const [, key, quote, rest] = match;
    if (quote && !rest.includes(quote)) openQuote = quote;
    return { kind: 'assignment', text: line, key };
  });
}

/**
 * `.env` text with every stray line (neither an assignment, a comment, a blank line nor part of a multi-line quoted
 * value) made blank: dotenv passes over such a line, while Node's parser reads it and the next line as one key
 * (`junk\nB=2` gives the key "junk\nB"), so that one stray line cost the assignment after it.
 */
export function withoutStrayLines(text: string): string {
  return envLines(text)
    .map((line) => (line.kind === 'stray' ? '' : line.text))
    .join('\n');
}

/**
 * The (1-based) lines of `.env` text that were not read as a secret: a line that looks like an assignment whose key
 * is not among `parsedKeys` (`bad key=…`), and a stray line (neither an assignment, a comment, a blank line nor part
 * of a multi-line quoted value: the rest of an unquoted multi-line value, a pasted token). dotenv passes over both
 * without a word. Lines inside a multi-line quoted value are passed over.
 */
export function unreadDotenvLines(text: string, parsedKeys: Iterable<string>): number[] {
  const known = new Set(parsedKeys);
  const unread: number[] = [];
  envLines(text).forEach((line, index) => {
    if (line.kind === 'stray' || (line.kind === 'assignment' && !known.has(line.key))) unread.push(index + 1);
  });
  return unread;
}

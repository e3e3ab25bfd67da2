import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import dotenv from 'dotenv';
import { parseEnv } from 'node:util';
import { formatDotenv, formatDotenvValue } from '../../src/user-secrets/dotenv-format.js';
import { withoutStrayLines } from '../../src/user-secrets/dotenv-parse.js';

const tricky = fc.constantFrom(
  "'",
  '"',
  '`',
  '\\',
  'n',
  'r',
  '\n',
  '\r',
  '#',
  ' ',
  '\t',
  '=',
  '$',
  'a',
  'é',
  '🔑',
  '\u2028',
  '\u00a0',
  'export ',
  '${HOME}',
);
const value = fc.oneof(
  fc.array(tricky, { maxLength: 12 }).map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const keys = fc.uniqueArray(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), { minLength: 1, maxLength: 6 });
const documents = keys.chain((names) =>
  fc.tuple(...names.map(() => value)).map((values) => new Map(names.map((name, index) => [name, values[index]]))),
);

function representable(secrets: Map<string, string>, unrepresentable: string[]): Map<string, string> {
  return new Map([...secrets].filter(([key]) => !unrepresentable.includes(key)));
}

describe('dotenv export quoting', () => {
  it('writes documents that dotenv.parse reads back to exactly the same strings (property)', () => {
    fc.assert(
      fc.property(documents, (secrets) => {
        const { text, unrepresentable } = formatDotenv(secrets);
        expect(new Map(Object.entries(dotenv.parse(text)))).toEqual(representable(secrets, unrepresentable));
      }),
      { numRuns: 3000 },
    );
  });

  it("…and dotenv's fast parser too", () => {
    fc.assert(
      fc.property(documents, (secrets) => {
        const { text, unrepresentable } = formatDotenv(secrets);
        const parsed = (dotenv.parse as (src: string, options: object) => Record<string, string>)(text, { fast: true });
        expect(new Map(Object.entries(parsed))).toEqual(representable(secrets, unrepresentable));
      }),
      { numRuns: 3000 },
    );
  });

  it("…and Node's own parser for every value without a carriage return", () => {
    fc.assert(
      fc.property(documents, (secrets) => {
        const withoutCr = new Map([...secrets].filter(([, v]) => !v.includes('\r')));
        const { text, unrepresentable } = formatDotenv(withoutCr);
        expect(new Map(Object.entries(parseEnv(text)))).toEqual(representable(withoutCr, unrepresentable));
      }),
      { numRuns: 3000 },
    );
  });

  it("a stray line (not an assignment) costs Node's parser nothing more than it costs dotenv", () => {
    const text = 'A=1\nthis is junk\nB=2\n# comment\nC="multi\nline junk\n"\nD=4\n';
    expect(parseEnv(text)).toHaveProperty(['this is junk\nB'], '2'); // what Node's parser alone makes of it
    expect(parseEnv(withoutStrayLines(text))).toEqual(dotenv.parse(text));
    expect(parseEnv(withoutStrayLines(text))).toEqual({ A: '1', B: '2', C: 'multi\nline junk\n', D: '4' });
    // What export writes has no stray line: nothing of it is blanked.
    fc.assert(
      fc.property(documents, (secrets) => {
        const { text: written } = formatDotenv(secrets, 'a header', { carriageReturns: false });
        expect(withoutStrayLines(written)).toBe(written);
      }),
      { numRuns: 1000 },
    );
  });

  it("for Node's parser (dotenv not installed), a value with a carriage return is one that cannot be written", () => {
    // Node's parser reads "a\rb" back as a backslash and an r: what it would import is not what was exported.
    expect(parseEnv('CR="a\\rb"\n').CR).not.toBe('a\rb');
    fc.assert(
      fc.property(documents, (secrets) => {
        const { text, unrepresentable } = formatDotenv(secrets, undefined, { carriageReturns: false });
        for (const [key, v] of secrets) if (v.includes('\r')) expect(unrepresentable).toContain(key);
        expect(new Map(Object.entries(parseEnv(text)))).toEqual(representable(secrets, unrepresentable));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses only values no dotenv quoting can carry', () => {
    fc.assert(
      fc.property(value, (v) => {
        if (formatDotenvValue(v) !== undefined) return;
        // Neither quote kind without interpretation is free, and double quotes are taken or would change \n.
        expect(v.includes("'") || v.includes('\r')).toBe(true);
        expect(v.includes('`') || v.includes('\r')).toBe(true);
        expect(v.includes('"') || /\\[nr]/.test(v)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('picks readable forms for ordinary values', () => {
    expect(formatDotenvValue('postgres://u:p@h/db')).toBe("'postgres://u:p@h/db'");
    expect(formatDotenvValue('')).toBe('""');
    expect(formatDotenvValue("it's")).toBe("`it's`");
    expect(formatDotenvValue("it's `x`")).toBe('"it\'s `x`"');
    expect(formatDotenvValue('a\'b"c`d')).toBe('a\'b"c`d');
    expect(formatDotenvValue('line1\r\nline2')).toBe('"line1\\r\\nline2"');
    expect(formatDotenvValue('\'"`\nx')).toBeUndefined();
  });

  it('avoids a quote kind that a later line could close when a value ends in a backslash', () => {
    const secrets = new Map([
      ['A', 'abc\\'],
      ['B', 'x\' "`'],
    ]);
    const { text } = formatDotenv(secrets);
    expect(new Map(Object.entries(dotenv.parse(text)))).toEqual(secrets);
  });

  it('renames dotnet section keys to __ and reports clashes and unrepresentable values', () => {
    const doc = formatDotenv(
      new Map([
        ['Movies:ApiKey', 'k'],
        ['A:B', '1'],
        ['A__B', '2'],
        ['BAD', '\'"`\n'],
      ]),
      'exported',
    );
    expect(doc.renamed).toEqual([['Movies:ApiKey', 'Movies__ApiKey']]);
    expect(doc.unrepresentable.sort()).toEqual(['A:B', 'BAD']);
    expect(doc.text.startsWith('# exported\n')).toBe(true);
    expect(dotenv.parse(doc.text)).toEqual({ Movies__ApiKey: 'k', A__B: '2' });
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  looksLikePythonEnvSecrets,
  parsePythonEnvSecrets,
  readPythonEnvSecretsFile,
} from '../../src/user-secrets/python-env-secrets.js';
import { SecretsFormatError } from '../../src/user-secrets/errors.js';

/**
 * An oracle written from python-env-secrets' documented reading rules (reference §1.5), run by the real Python so
 * that Python's own semantics decide: text-mode universal newlines, str.strip()'s whitespace set, UTF-8 decoding.
 */
const ORACLE = String.raw`
import json, sys, tempfile, os
out = []
for text in json.load(sys.stdin):
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "wb") as f:
        f.write(text.encode("utf-8", "surrogatepass"))
    pairs = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            s = raw.strip()
            if s == "" or s[0] == "#":
                continue
            if s[:7] == "export ":
                s = s[7:]
            if "=" not in s:
                continue
            i = s.index("=")
            k, v = s[:i].strip(), s[i + 1:].strip()
            if len(v) > 1 and v[0] in "\"'" and v[-1] == v[0]:
                v = v[1:-1]
            pairs[k] = v
    os.unlink(path)
    out.append(list(pairs.items()))
print(json.dumps(out))
`;

function pythonParse(texts: string[]): [string, string][][] {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', ORACLE], { input: JSON.stringify(texts) }).toString()) as [
    string,
    string,
  ][][];
}

describe('the python-env-secrets .secrets parser', () => {
  it('reads the cases of reference §1.8 as python-env-secrets does', () => {
    const text = [
      '# Python Env Secrets',
      '# Do not share or commit this file to source control.',
      '# Project: /home/me/app',
      '# ID: 3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b',
      '',
      'SPACE="a b"',
      'EQ="x=y"',
      'HASH="a#b"',
      `APOS="it's"`,
      'DQ="say "hi""',
      'QQ=""q""',
      'INLINE=value # comment',
      'X=abc#def',
      'D="esc\\n"',
      'B=`tick`',
      'KEY: value',
      'export EXP=1',
      'EMPTY=',
      'DUP=first',
      'DUP=second',
      '\tTAB=\tlead',
      'UNI="ключ 🔑 値"',
      'NOEQ',
      "SINGLE='single'",
      'MISMATCH="open\'',
    ].join('\n');
    const parsed = parsePythonEnvSecrets(text);
    expect(Object.fromEntries(parsed)).toEqual({
      SPACE: 'a b',
      EQ: 'x=y',
      HASH: 'a#b',
      APOS: "it's",
      DQ: 'say "hi"',
      QQ: '"q"',
      INLINE: 'value # comment',
      X: 'abc#def',
      D: 'esc\\n',
      B: '`tick`',
      EXP: '1',
      EMPTY: '',
      DUP: 'second',
      TAB: 'lead',
      UNI: 'ключ 🔑 値',
      SINGLE: 'single',
      MISMATCH: '"open\'',
    });
    expect([...parsed]).toEqual(pythonParse([text])[0]);
  });

  it('matches Python on random input: CR/CRLF line ends, Unicode whitespace, quotes, export, BOM (property)', () => {
    const pieces = fc.constantFrom(
      'K',
      'key',
      '=',
      '"',
      "'",
      '#',
      'export ',
      'export',
      ' ',
      '\t',
      '\n',
      '\r',
      '\r\n',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\u0085',
      '\x1c',
      '\v',
      '\f',
      '\ufeff',
      'é',
      '🔑',
      'v',
      '\\',
      '`',
    );
    const texts = fc.array(
      fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')),
      { minLength: 200, maxLength: 200 },
    );
    fc.assert(
      fc.property(texts, (batch) => {
        const expected = pythonParse(batch);
        batch.forEach((text, index) => expect([...parsePythonEnvSecrets(text)]).toEqual(expected[index]));
      }),
      { numRuns: 5 },
    );
  });

  it('recognises both file headers, keeps a BOM as Python does and refuses invalid UTF-8', async () => {
    expect(looksLikePythonEnvSecrets('# Python Env Secrets\n')).toBe(true);
    expect(looksLikePythonEnvSecrets('# Python User Secrets\r\nA=1')).toBe(true);
    expect(looksLikePythonEnvSecrets('A=1\n')).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'pes-'));
    try {
      writeFileSync(join(dir, 'bom'), '\ufeffA=1\nB=2\n');
      expect(Object.fromEntries(await readPythonEnvSecretsFile(join(dir, 'bom')))).toEqual({ '\ufeffA': '1', B: '2' });
      writeFileSync(join(dir, 'latin1'), Buffer.from([0x41, 0x3d, 0xe9, 0x0a]));
      await expect(readPythonEnvSecretsFile(join(dir, 'latin1'))).rejects.toBeInstanceOf(SecretsFormatError);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

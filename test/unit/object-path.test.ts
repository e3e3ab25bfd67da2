// isObjectPath is a hand-written loop (it runs on every call and reply): it must accept exactly what the spec's
// grammar does, here the spec's grammar as a regular expression, over every string of up to six characters drawn
// from an alphabet with each class of character the grammar distinguishes.
import { describe, expect, it } from 'vitest';
import { isObjectPath } from '../../src/dbus/names.js';

const SPEC = /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/;
const ALPHABET = ['/', 'a', 'Z', '0', '_', '-', '.', ' ', 'é', '\0', '`', '{', '@', '['];

function* strings(maxLength: number): Generator<string> {
  yield '';
  let current = [''];
  for (let length = 1; length <= maxLength; length++) {
    const next: string[] = [];
    for (const prefix of current) for (const c of ALPHABET) next.push(prefix + c);
    // Beyond four characters only strings that start with a slash: the rest fail on their first character.
    current = length >= 4 ? next.filter((s) => s.startsWith('/')) : next;
    yield* current;
  }
}

describe('isObjectPath', () => {
  it('agrees with the spec grammar on every short string', () => {
    let checked = 0;
    for (const value of strings(6)) {
      if (isObjectPath(value) !== SPEC.test(value)) expect.fail(`disagrees on ${JSON.stringify(value)}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it('takes the paths services use and refuses near misses', () => {
    for (const path of ['/', '/org/freedesktop/secrets', '/org/freedesktop/secrets/collection/login/42', '/a_b/C9'])
      expect(isObjectPath(path)).toBe(true);
    for (const path of ['', 'org', '//', '/a/', '/a//b', '/a-b', '/a.b', '/é', '/a\0', ' /a'])
      expect(isObjectPath(path)).toBe(false);
  });
});

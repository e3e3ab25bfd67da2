/**
 * Strict UTF-8: the text of bytes that are UTF-8, or undefined, never U+FFFD in place of what was there. Secrets,
 * passwords and imported files all go through it, each caller saying in its own error what to do instead.
 */
const strict = new TextDecoder('utf-8', { fatal: true });
const strictKeepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or undefined when they are not UTF-8. `keepBom`: a leading BOM stays (as Python's `utf-8`). */
export function decodeUtf8(bytes: Uint8Array, keepBom = false): string | undefined {
  try {
    return (keepBom ? strictKeepingBom : strict).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Whether every character of `value` is ASCII other than NUL: then each is its own UTF-8 byte, so short strings can
 * be checked and copied into a buffer a character at a time (the D-Bus and GVariant writers do) instead of through a
 * call into C++.
 */
export function isPlainAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0 || code > 0x7f) return false;
  }
  return true;
}

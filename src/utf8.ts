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

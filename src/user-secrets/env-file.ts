/**
 * Reading and editing single assignments in a `.env` file's text without disturbing anything else: comments, blank
 * lines, order, other keys and line endings (CRLF stays CRLF) are kept exactly.
 */

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/;

/** The text split into lines, each keeping its own line ending. */
function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

function lineBody(line: string): { body: string; eol: string } {
  const eol = /\r?\n$/.exec(line)?.[0] ?? '';
  return { body: line.slice(0, line.length - eol.length), eol };
}

/** A value as dotenv reads a one-line value: one pair of quotes removed, else cut at `#` and trimmed. */
function readValue(raw: string): string {
  const value = raw.trim();
  const quote = value[0];
  if (quote === '"' || quote === "'" || quote === '`') {
    const end = value.indexOf(quote, 1);
    if (end > 0) return value.slice(1, end);
  }
  const hash = value.indexOf('#');
  return (hash === -1 ? value : value.slice(0, hash)).trim();
}

/** The value of the last assignment to each of `keys` (a later line wins, as in dotenv and python-env-secrets). */
export function findAssignments(text: string, keys: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of splitLines(text)) {
    const match = ASSIGNMENT.exec(lineBody(line).body);
    if (match && keys.includes(match[2])) found.set(match[2], readValue(match[3]));
  }
  return found;
}

/**
 * The text with `key` set to `value`: every line assigning `key` is rewritten in place (keeping its indentation,
 * `export ` and line ending); if there is none, `KEY=value` is appended with the file's own line ending.
 */
export function upsertAssignment(text: string, key: string, value: string): string {
  const lines = splitLines(text);
  let replaced = false;
  const edited = lines.map((line) => {
    const { body, eol } = lineBody(line);
    const match = ASSIGNMENT.exec(body);
    if (!match || match[2] !== key) return line;
    replaced = true;
    return `${match[1]}${key}=${value}${eol}`;
  });
  if (replaced) return edited.join('');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${separator}${key}=${value}${eol}`;
}

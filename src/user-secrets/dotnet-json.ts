/**
 * JSON secrets as `dotnet user-secrets set` takes them on stdin (and as its secrets.json holds them): an object
 * whose nested keys are flattened with `:` (`{"Movies":{"ApiKey":"x"}}` → `Movies:ApiKey`), array elements by index
 * (`a:0`). Scalars become strings as .NET's JSON configuration provider makes them: numbers keep their exact text
 * (`1.50`, `12345678901234567890`, which JSON.parse would change), `true`/`false` become `True`/`False`. Comments and
 * trailing commas are accepted, as there; keys differing only in case are duplicates, as there. `null` has no
 * string form and is reported instead of stored.
 */
import { SecretsFormatError } from './errors.js';

type JsonNode =
  | { kind: 'object'; entries: [string, JsonNode][] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'scalar'; value: string }
  | { kind: 'null' };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class JsonReader {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  private fail(what: string): never {
    const before = this.text.slice(0, this.position);
    const line = before.split('\n').length;
    const column = this.position - before.lastIndexOf('\n');
    throw new SecretsFormatError(
      `${this.source} is not valid JSON: ${what} at line ${line}, column ${column}. Nothing was imported.`,
    );
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const match = /[ \t\r\n]*/y;
      match.lastIndex = this.position;
      match.exec(this.text);
      this.position = match.lastIndex;
      if (this.text.startsWith('//', this.position)) {
        const end = this.text.indexOf('\n', this.position);
        this.position = end === -1 ? this.text.length : end + 1;
      } else if (this.text.startsWith('/*', this.position)) {
        const end = this.text.indexOf('*/', this.position + 2);
        if (end === -1) this.fail('an unterminated comment');
        this.position = end + 2;
      } else {
        return;
      }
    }
  }

  private token(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const match = pattern.exec(this.text);
    if (!match) return undefined;
    this.position = pattern.lastIndex;
    return match[0];
  }

  document(): JsonNode {
    const root = this.value();
    this.skipSpaceAndComments();
    if (this.position < this.text.length) this.fail('unexpected text after the end');
    return root;
  }

  private value(): JsonNode {
    this.skipSpaceAndComments();
    const char = this.text[this.position];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return { kind: 'scalar', value: this.string() };
    for (const [literal, node] of [
      ['true', { kind: 'scalar', value: 'True' }],
      ['false', { kind: 'scalar', value: 'False' }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return node;
      }
    }
    const number = this.token(NUMBER);
    if (number !== undefined) return { kind: 'scalar', value: number };
    return this.fail(char === undefined ? 'unexpected end' : 'an unexpected character');
  }

  private string(): string {
    const token = this.token(STRING);
    if (token === undefined) this.fail('a malformed string');
    return JSON.parse(token) as string;
  }

  private object(): JsonNode {
    this.position++;
    const entries: [string, JsonNode][] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.text[this.position] === '}') {
        this.position++;
        return { kind: 'object', entries };
      }
      if (this.text[this.position] !== '"') this.fail('a missing property name');
      const name = this.string();
      this.skipSpaceAndComments();
      if (this.text[this.position] !== ':') this.fail('a missing ":"');
      this.position++;
      entries.push([name, this.value()]);
      this.skipSpaceAndComments();
      if (this.text[this.position] === ',') this.position++;
      else if (this.text[this.position] !== '}') this.fail('a missing "," or "}"');
    }
  }

  private array(): JsonNode {
    this.position++;
    const items: JsonNode[] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.text[this.position] === ']') {
        this.position++;
        return { kind: 'array', items };
      }
      items.push(this.value());
      this.skipSpaceAndComments();
      if (this.text[this.position] === ',') this.position++;
      else if (this.text[this.position] !== ']') this.fail('a missing "," or "]"');
    }
  }
}

export interface FlattenedJson {
  /** Flattened keys and their string values, in document order. */
  entries: Map<string, string>;
  /** Keys whose value was `null` (not imported). */
  nulls: string[];
}

/**
 * Parses dotnet-style JSON secrets and flattens them with `:`.
 * @throws SecretsFormatError for invalid JSON (position only, never content), a root that is not an object, or
 *   keys that are duplicates when case is ignored.
 */
export function flattenDotnetJson(text: string, source = 'The JSON input'): FlattenedJson {
  const root = new JsonReader(text.replace(/^\uFEFF/, ''), source).document();
  if (root.kind !== 'object')
    throw new SecretsFormatError(`${source} must be a JSON object ({"Key": "value"}). Nothing was imported.`);
  const entries = new Map<string, string>();
  const nulls: string[] = [];
  const seen = new Map<string, string>();
  const visit = (node: JsonNode, path: string): void => {
    if (node.kind === 'object') for (const [name, child] of node.entries) visit(child, path ? `${path}:${name}` : name);
    else if (node.kind === 'array') node.items.forEach((child, index) => visit(child, `${path}:${index}`));
    else {
      const folded = path.toLowerCase();
      if (seen.has(folded)) {
        throw new SecretsFormatError(
          `${source} has the key "${path}" twice (keys are compared without case, as in .NET: "${seen.get(folded)}"). Nothing was imported.`,
        );
      }
      seen.set(folded, path);
      if (node.kind === 'null') nulls.push(path);
      else entries.set(path, node.value);
    }
  };
  visit(root, '');
  return { entries, nulls };
}

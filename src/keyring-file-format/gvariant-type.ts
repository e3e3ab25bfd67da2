/**
 * GVariant types (GLib's type strings, for the types keyring files use: `y`, `u`, `t`, `s`, arrays, structures and
 * dictionary entries): a signature parsed into a tree whose every node knows its alignment and, for a fixed-size
 * type, its size, the two things GVariant's serialisation is laid out by (see gvariant.ts).
 */

export type GVariantType = (
  | { code: 'y' | 'u' | 't' | 's' }
  | { code: 'a'; element: GVariantType }
  | { code: '('; members: GVariantType[] }
  | { code: '{'; key: GVariantType; value: GVariantType; members: [GVariantType, GVariantType] }
) & {
  /** The alignment of every value of the type: 1, 4 or 8 here. */
  readonly alignment: number;
  /** The size of every value of a fixed-size type, or undefined for a variable-size one. */
  readonly fixedSize: number | undefined;
};

/** A malformed type string, or serialised data that do not have the type they should: what is wrong, and where. */
export class GVariantError extends Error {}

/** `offset` rounded up to a multiple of `alignment`. */
export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

/** A structure's (or dictionary entry's) alignment and fixed size, from its members'. */
function structureLayout(members: GVariantType[]): { alignment: number; fixedSize: number | undefined } {
  let alignment = 1;
  let size: number | undefined = 0;
  for (const member of members) {
    alignment = Math.max(alignment, member.alignment);
    size =
      size === undefined || member.fixedSize === undefined
        ? undefined
        : alignUp(size, member.alignment) + member.fixedSize;
  }
  // The unit structure `()` takes one byte.
  const fixedSize = size === undefined ? undefined : size === 0 ? 1 : alignUp(size, alignment);
  return { alignment, fixedSize };
}

const BASIC = {
  y: { code: 'y', alignment: 1, fixedSize: 1 },
  u: { code: 'u', alignment: 4, fixedSize: 4 },
  t: { code: 't', alignment: 8, fixedSize: 8 },
  s: { code: 's', alignment: 1, fixedSize: undefined },
} as const;

const parsedTypes = new Map<string, GVariantType>();

/**
 * The type tree of a signature such as `(uayutua(a{say}ay))`, each node with its alignment and fixed size (worked
 * out once here, not for every value). @throws GVariantError for a malformed one.
 */
export function parseGVariantType(signature: string): GVariantType {
  const known = parsedTypes.get(signature);
  if (known) return known;
  let position = 0;
  const next = (): GVariantType => {
    const code = signature[position++];
    switch (code) {
      case 'y':
      case 'u':
      case 't':
      case 's':
        return BASIC[code];
      case 'a': {
        const element = next();
        return { code: 'a', element, alignment: element.alignment, fixedSize: undefined };
      }
      case '(': {
        const members: GVariantType[] = [];
        while (signature[position] !== ')') {
          if (position >= signature.length) throw new GVariantError(`unclosed structure in ${signature}`);
          members.push(next());
        }
        position++;
        return { code: '(', members, ...structureLayout(members) };
      }
      case '{': {
        const key = next();
        const value = next();
        if (signature[position++] !== '}') throw new GVariantError(`bad dictionary entry in ${signature}`);
        const members: [GVariantType, GVariantType] = [key, value];
        return { code: '{', key, value, members, ...structureLayout(members) };
      }
      default:
        throw new GVariantError(`unsupported type code ${JSON.stringify(code)} in ${signature}`);
    }
  };
  const type = next();
  if (position !== signature.length) throw new GVariantError(`trailing characters in ${signature}`);
  if (parsedTypes.size < 64) parsedTypes.set(signature, type);
  return type;
}

/** The members of a structure or dictionary entry, in order; none for other types. */
export function membersOf(type: GVariantType): GVariantType[] {
  return type.code === '(' || type.code === '{' ? type.members : [];
}

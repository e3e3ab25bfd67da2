/**
 * The D-Bus type system: signatures parsed once (and checked against the spec) into type trees, the alignment of
 * each type, and the Variant value. `writer.ts` and `reader.ts` put values on the wire and take them off.
 *
 * Values: y n q i u h d → number, b → boolean, x t → bigint, s o g → string, ay → Buffer, other arrays → Array,
 * a{kv} → plain object (keys as strings), structs → Array, v → Variant.
 */

export interface DBusType {
  code: string;
  /** Element type of `a`, members of `(`, key and value of `{`. */
  children: DBusType[];
  /** The signature this type was parsed from, e.g. `a{sv}`. */
  signature: string;
}

/** A value of D-Bus type `v`: the signature of what it holds, and the value. */
export class Variant<T = unknown> {
  constructor(
    readonly signature: string,
    readonly value: T,
  ) {}
}

const BASIC = 'ybnqiuxtdsogh';
const MAX_SIGNATURE_LENGTH = 255;
export const MAX_DEPTH = 64;
/** The spec's limits within one signature: 32 nested arrays and 32 nested structs. */
const MAX_ARRAY_NESTING = 32;
const MAX_STRUCT_NESTING = 32;
/** The spec's largest array (2^26 bytes). */
export const MAX_ARRAY_BYTES = 67108864;

export const ALIGNMENT: Record<string, number> = {
  y: 1,
  b: 4,
  n: 2,
  q: 2,
  i: 4,
  u: 4,
  x: 8,
  t: 8,
  d: 8,
  s: 4,
  o: 4,
  g: 1,
  h: 4,
  a: 4,
  '(': 8,
  '{': 8,
  v: 1,
};

const signatureCache = new Map<string, DBusType[]>();

/**
 * Parses a signature into its complete types (cached).
 * @throws Error for anything the spec does not allow: unknown codes, empty structs, dict entries outside arrays or
 *   with a non-basic key, more than 32 nested arrays or 32 nested structs (libdbus's
 *   `DBUS_INVALID_EXCEEDED_MAXIMUM_ARRAY_RECURSION` and `..._STRUCT_RECURSION`), more than 255 characters.
 */
export function parseSignature(signature: string): DBusType[] {
  const cached = signatureCache.get(signature);
  if (cached) return cached;
  if (signature.length > MAX_SIGNATURE_LENGTH) throw new Error('a signature longer than 255 characters');
  let index = 0;
  const single = (arrays: number, structs: number, inArray: boolean): DBusType => {
    const start = index;
    const code = signature[index++];
    if (code === undefined) throw new Error(`the signature "${signature}" ends early`);
    const children: DBusType[] = [];
    if (code === 'a') {
      if (arrays === MAX_ARRAY_NESTING) throw new Error('a signature with more than 32 nested arrays');
      children.push(single(arrays + 1, structs, true));
    } else if (code === '(') {
      if (structs === MAX_STRUCT_NESTING) throw new Error('a signature with more than 32 nested structs');
      if (signature[index] === ')') throw new Error('an empty struct in a signature');
      while (signature[index] !== ')') {
        if (index >= signature.length) throw new Error(`an unclosed struct in "${signature}"`);
        children.push(single(arrays, structs + 1, false));
      }
      index++;
    } else if (code === '{') {
      if (!inArray) throw new Error('a dict entry outside an array');
      // Nested dict entries are counted apart (as libdbus does), and each one is in an array: the arrays' limit holds.
      const key = single(arrays, structs, false);
      if (!BASIC.includes(key.code)) throw new Error('a dict entry with a non-basic key');
      children.push(key, single(arrays, structs, false));
      if (signature[index++] !== '}') throw new Error('a dict entry with other than two types');
    } else if (!BASIC.includes(code) && code !== 'v') {
      throw new Error(`the type code "${code}" in a signature`);
    }
    return { code, children, signature: signature.slice(start, index) };
  };
  const types: DBusType[] = [];
  while (index < signature.length) types.push(single(0, 0, false));
  if (signatureCache.size < 1024) signatureCache.set(signature, types);
  return types;
}

/** Throws unless `signature` is a valid D-Bus signature (see {@link parseSignature}). */
export function assertSignature(signature: string): void {
  parseSignature(signature);
}

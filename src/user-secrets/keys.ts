/**
 * Secret keys: what a key may look like, and the environment variable name it is given. Keys are environment
 * variable names (`DATABASE_URL`), optionally with dotnet's `:` section separator (`Movies:ApiKey`), which becomes
 * `__` in the environment, as ASP.NET maps it.
 */
import { InvalidArgumentError } from '../errors.js';
import { InvalidSecretKeyError } from './errors.js';

const SEGMENT = '[A-Za-z0-9_.-]+';
const KEY = new RegExp(`^[A-Za-z_][A-Za-z0-9_.-]*(?::${SEGMENT})*$`);
const MAX_KEY_LENGTH = 1024;

/** Whether `key` is a valid secret key. */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && key.length <= MAX_KEY_LENGTH && KEY.test(key);
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key) : typeof key;
}

/**
 * Checks one key.
 * @throws InvalidSecretKeyError saying which characters are allowed.
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (!isValidKey(key)) {
    throw new InvalidSecretKeyError(
      [String(key)],
      `Invalid key ${describeKey(key)}: a key starts with a letter or "_" and continues with letters, digits, "_", ` +
        '"." or "-" (an environment variable name), optionally in ":"-separated sections like dotnet\'s ' +
        '"Movies:ApiKey".',
    );
  }
}

/** The keys among `keys` that are not valid, for a report that names them all at once. */
export function invalidKeys(keys: Iterable<string>): string[] {
  return [...keys].filter((key) => !isValidKey(key));
}

/** The environment variable a key is exposed as: `:` becomes `__` (ASP.NET's mapping), anything else stays. */
export function environmentName(key: string): string {
  return key.replaceAll(':', '__');
}

/**
 * Checks a value before it is stored: it must be a string an environment variable can carry.
 * @throws InvalidArgumentError (never echoing the value) for a non-string, a NUL character or an unpaired surrogate.
 */
export function assertStorableValue(key: string, value: unknown): asserts value is string {
  const argument = `value of ${key}`;
  if (typeof value !== 'string') throw new InvalidArgumentError(argument, `expected a string, got ${typeof value}.`);
  if (value.includes('\0')) {
    throw new InvalidArgumentError(argument, 'contains a NUL character, which an environment variable cannot carry.');
  }
  if (!value.isWellFormed())
    throw new InvalidArgumentError(argument, 'contains an unpaired surrogate (not valid UTF-8).');
}

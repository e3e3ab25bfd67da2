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

/** A key as errors show it: of a `KEY=value` mistake only `KEY=…`, since what follows may be the secret. */
function shownKey(key: string): string {
  const equals = key.indexOf('=');
  const shown = equals >= 0 ? `${key.slice(0, equals)}=…` : key;
  return shown.length > 60 ? `${shown.slice(0, 60)}…` : shown;
}

/**
 * Checks one key.
 * @throws InvalidSecretKeyError saying which characters are allowed (never showing what follows an `=`).
 */
export function assertValidKey(key: unknown): asserts key is string {
  if (!isValidKey(key)) {
    const shown = typeof key === 'string' ? shownKey(key) : typeof key;
    const withValue = typeof key === 'string' && key.includes('=');
    throw new InvalidSecretKeyError(
      [shown],
      `Invalid key ${typeof key === 'string' ? JSON.stringify(shown) : shown}: ` +
        (withValue
          ? 'a key cannot contain "="; give the key and the value separately (the value as its own argument, or ' +
            'on stdin).'
          : 'a key starts with a letter or "_" and continues with letters, digits, "_", "." or "-" (an environment ' +
            'variable name), optionally in ":"-separated sections like dotnet\'s "Movies:ApiKey".'),
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

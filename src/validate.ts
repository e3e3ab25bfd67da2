/**
 * Checks on what callers pass in, done before anything is sent to the bus, so that bad input gives an
 * InvalidArgumentError naming the argument instead of a D-Bus error (or, worse, a half-done change).
 */
import { CONTENT_TYPE_BINARY, CONTENT_TYPE_TEXT } from './defines.js';
import { InvalidArgumentError } from './errors.js';
import { isObjectPath } from './dbus/names.js';
import { decodeUtf8 } from './utf8.js';

/** A label or attribute beyond this is almost certainly a mistake (and near the bus's own limits). */
export const MAX_TEXT_BYTES = 1024 * 1024;
/**
 * The largest secret: D-Bus arrays end at 64 MiB, and an encrypted secret travels padded by up to 16 bytes.
 */
export const MAX_SECRET_BYTES = 64 * 1024 * 1024 - 16;

function checkText(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new InvalidArgumentError(argument, `expected a string, got ${describe(value)}.`);
  if (Buffer.byteLength(value) > MAX_TEXT_BYTES) {
    throw new InvalidArgumentError(
      argument,
      `${Buffer.byteLength(value)} bytes is more than the ${MAX_TEXT_BYTES} allowed.`,
    );
  }
  if (value.includes('\0'))
    throw new InvalidArgumentError(argument, 'contains a NUL character, which D-Bus strings cannot carry.');
  if (!value.isWellFormed())
    throw new InvalidArgumentError(argument, 'contains an unpaired surrogate, which is not valid UTF-8.');
}

/** Whether checkText accepts `value`, without building anything for an error. */
function isText(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a long string needs its bytes counted.
    (value.length * 3 <= MAX_TEXT_BYTES || Buffer.byteLength(value) <= MAX_TEXT_BYTES) &&
    !value.includes('\0') &&
    value.isWellFormed()
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const name = typeof value === 'object' ? (Object.getPrototypeOf(value)?.constructor?.name as string | undefined) : '';
  if (name && name !== 'Object') return `a ${name}`;
  return typeof value;
}

const BUS_NAME = /^(?::[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+|[A-Za-z_-][A-Za-z0-9_-]*(?:\.[A-Za-z_-][A-Za-z0-9_-]*)+)$/;

/**
 * A D-Bus bus name: well-known (`org.freedesktop.secrets`) or unique (`:1.42`), at most 255 characters.
 * @throws InvalidArgumentError naming `argument`.
 */
export function assertBusName(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > 255 || !BUS_NAME.test(value)) {
    throw new InvalidArgumentError(
      argument,
      `${typeof value === 'string' ? JSON.stringify(value) : describe(value)} is not a D-Bus bus name (dot-separated ` +
        'elements such as org.freedesktop.secrets, or a unique name such as :1.42).',
    );
  }
}

/** A D-Bus object path (`/org/freedesktop/secrets/collection/login`). */
export function assertObjectPath(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !isObjectPath(value)) {
    throw new InvalidArgumentError(
      argument,
      `${typeof value === 'string' ? JSON.stringify(value) : describe(value)} is not a D-Bus object path ` +
        '(slash-separated elements of [A-Za-z0-9_], like /org/freedesktop/secrets/collection/login).',
    );
  }
}

/**
 * An alias (`default`, `session`, `login`…): text D-Bus can carry, non-empty unless `allowEmpty` (CreateCollection's
 * "no alias").
 * @throws InvalidArgumentError naming `alias`.
 */
export function assertAlias(value: unknown, allowEmpty = false): asserts value is string {
  checkText('alias', value);
  if (value === '' && !allowEmpty) throw new InvalidArgumentError('alias', 'expected a non-empty string.');
}

/**
 * Object paths, as Lock and Unlock take them.
 * @throws InvalidArgumentError naming `argument` and the offending index.
 */
export function assertObjectPaths(argument: string, value: unknown): asserts value is string[] {
  if (!Array.isArray(value))
    throw new InvalidArgumentError(argument, `expected an array of object paths, got ${describe(value)}.`);
  value.forEach((path, index) => assertObjectPath(`${argument}[${index}]`, path));
}

/** A label: a non-empty string (the spec allows empty labels, but KWallet refuses them). */
export function assertLabel(value: unknown, argument = 'label'): asserts value is string {
  checkText(argument, value);
  if (value === '') throw new InvalidArgumentError(argument, 'must not be empty (KWallet refuses empty labels).');
}

/** Attributes: a plain object of string keys to string values. Returns a clean copy. */
export function checkAttributes(value: unknown, argument = 'attributes'): Record<string, string> {
  // A plain object: its prototype is null or an Object.prototype (of any realm: a vm context's, a test runner's).
  const prototype = value === null || typeof value !== 'object' ? undefined : Object.getPrototypeOf(value);
  if (prototype === undefined || (prototype !== null && Object.getPrototypeOf(prototype) !== null)) {
    // Not a plain object (an array, a Map, a Date…): its entries are not what the caller meant to match.
    throw new InvalidArgumentError(argument, `expected a plain object of string values, got ${describe(value)}.`);
  }
  if (Object.getOwnPropertySymbols(value as object).length > 0) {
    throw new InvalidArgumentError(argument, 'has symbol keys; attribute names are strings.');
  }
  const clean: Record<string, string> = {};
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const attribute = record[key];
    // The names for an error are only built for one (this runs on every search).
    if (!isText(key)) checkText(`${argument} key ${JSON.stringify(key)}`, key);
    if (!isText(attribute)) checkText(`${argument}[${JSON.stringify(key)}]`, attribute);
    clean[key] = attribute;
  }
  return clean;
}

const secretTooLarge = (argument: string, bytes: number) =>
  new InvalidArgumentError(
    argument,
    `${bytes} bytes is more than the ${MAX_SECRET_BYTES} a secret can have (D-Bus arrays end at 64 MiB).`,
  );

/**
 * Checks a secret given as text: UTF-8 encodable (no unpaired surrogate) and not too large, without encoding it.
 * @throws InvalidArgumentError naming `argument`.
 */
export function checkSecretText(argument: string, secret: string): void {
  if (!secret.isWellFormed())
    throw new InvalidArgumentError(argument, 'contains an unpaired surrogate, which is not valid UTF-8.');
  const length = Buffer.byteLength(secret, 'utf8');
  if (length > MAX_SECRET_BYTES) throw secretTooLarge(argument, length);
}

/** The bytes of a secret (`string` is UTF-8 encoded) and its default content type. The caller keeps its input. */
export function secretToBytes(secret: unknown, argument = 'secret'): { bytes: Uint8Array; defaultContentType: string } {
  if (typeof secret === 'string') {
    checkSecretText(argument, secret);
    return { bytes: Buffer.from(secret, 'utf8'), defaultContentType: CONTENT_TYPE_TEXT };
  }
  if (secret instanceof Uint8Array) {
    if (secret.length > MAX_SECRET_BYTES) throw secretTooLarge(argument, secret.length);
    return { bytes: secret, defaultContentType: CONTENT_TYPE_BINARY };
  }
  throw new InvalidArgumentError(argument, `expected a string or a Uint8Array (Buffer), got ${describe(secret)}.`);
}

/** A content type: a non-empty string such as `text/plain` or `application/octet-stream`. */
export function checkContentType(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  checkText('contentType', value);
  if (value === '') throw new InvalidArgumentError('contentType', 'must not be empty.');
  return value;
}

/** Whether `bytes` may go under `contentType`: anything but `text/*`, or UTF-8 text (KWallet enforces it). */
function fitsContentType(bytes: Uint8Array, contentType: string): boolean {
  return !/^text\//i.test(contentType) || decodeUtf8(bytes, true) !== undefined;
}

/**
 * `contentType`, or `application/octet-stream` when it says text and `bytes` are not UTF-8: for bytes that must be
 * kept as they are whatever they were labelled (gnome-keyring reports every secret as `text/plain`).
 */
export function contentTypeFor(bytes: Uint8Array, contentType: string): string {
  return fitsContentType(bytes, contentType) ? contentType : 'application/octet-stream';
}

/** `text/*` content types declare text; bytes sent under them should be valid UTF-8 (KWallet enforces it). */
export function assertTextIsUtf8(bytes: Uint8Array, contentType: string): void {
  if (fitsContentType(bytes, contentType)) return;
  throw new InvalidArgumentError(
    'secret',
    `is not valid UTF-8 but its content type is ${contentType}; pass contentType: 'application/octet-stream' for binary data.`,
  );
}

/** An AbortSignal, also one from another realm or a polyfill: judged by what is used of it. */
export function isAbortSignal(value: unknown): value is AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  );
}

/**
 * The options of a call that may prompt: an object whose `timeoutMs` is a number ≥ 0 and whose `signal` is an
 * AbortSignal, when given.
 * @throws InvalidArgumentError naming `options`, `timeoutMs` or `signal`.
 */
export function checkPromptOptions(options: unknown): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(
      'options',
      `expected an object such as { timeoutMs, signal }, got ${describe(options)}.`,
    );
  }
  const { timeoutMs, signal } = options as { timeoutMs?: unknown; signal?: unknown };
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0)) {
    throw new InvalidArgumentError('timeoutMs', 'must be a number of milliseconds ≥ 0 (0 or Infinity: no limit).');
  }
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('signal', `expected an AbortSignal, got ${describe(signal)}.`);
  }
}

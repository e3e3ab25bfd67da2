/**
 * The spec's syntax for the names and paths D-Bus carries: object paths, bus names, interface, member and error
 * names. Checked on everything read from the wire and on every value put into a match rule.
 */

/** `/`, or `/`-separated non-empty elements of `[A-Za-z0-9_]`. */
const OBJECT_PATH = /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/;
const UNIQUE_NAME = /^:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$/;
const WELL_KNOWN_NAME = /^[A-Za-z_-][A-Za-z0-9_-]*(?:\.[A-Za-z_-][A-Za-z0-9_-]*)+$/;
const INTERFACE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const MEMBER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAME_LENGTH = 255;

/** Whether `value` is a D-Bus object path. */
export function isObjectPath(value: string): boolean {
  return OBJECT_PATH.test(value);
}

/** A bus name: unique (`:1.42`) or well-known (`org.freedesktop.secrets`). */
export function isBusName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && (UNIQUE_NAME.test(value) || WELL_KNOWN_NAME.test(value));
}

export function isUniqueName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && UNIQUE_NAME.test(value);
}

/** An interface name; error names have the same syntax. */
export function isInterfaceName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && INTERFACE_NAME.test(value);
}

export function isMemberName(value: string): boolean {
  return value.length <= MAX_NAME_LENGTH && MEMBER_NAME.test(value);
}

/**
 * The spec's syntax for the names and paths D-Bus carries: object paths, bus names, interface, member and error
 * names, and a server's GUID. Checked on everything read from the wire and on every value put into a match rule.
 */

/** The bus itself: its name (as a destination, sender and interface) and its object path. */
export const BUS_NAME = 'org.freedesktop.DBus';
export const BUS_PATH = '/org/freedesktop/DBus';

const UNIQUE_NAME = /^:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+$/;
const WELL_KNOWN_NAME = /^[A-Za-z_-][A-Za-z0-9_-]*(?:\.[A-Za-z_-][A-Za-z0-9_-]*)+$/;
const INTERFACE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const MEMBER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_NAME_LENGTH = 255;

const SLASH = 0x2f;

/**
 * Whether `value` is a D-Bus object path: `/`, or `/`-separated non-empty elements of `[A-Za-z0-9_]`. A loop rather
 * than a regular expression: every call and reply carries a path, and this is cheaper both to run and to optimise.
 */
export function isObjectPath(value: string): boolean {
  const length = value.length;
  if (length === 0 || value.charCodeAt(0) !== SLASH) return false;
  let afterSlash = true;
  for (let i = 1; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code === SLASH) {
      if (afterSlash) return false; // an empty element
      afterSlash = true;
    } else if (
      (code >= 0x61 && code <= 0x7a) || // a-z
      (code >= 0x41 && code <= 0x5a) || // A-Z
      (code >= 0x30 && code <= 0x39) || // 0-9
      code === 0x5f // _
    ) {
      afterSlash = false;
    } else {
      return false;
    }
  }
  return length === 1 || !afterSlash; // `/` alone, or no trailing slash
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

/** Whether `value` is a server GUID as the spec writes it: 16 bytes in 32 hex digits. */
export function isGuid(value: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(value);
}

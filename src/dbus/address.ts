/**
 * D-Bus server addresses (`unix:path=…;tcp:host=…,port=…`): parsing with the spec's %-escapes, and finding the
 * session bus the way libdbus does, plus `$XDG_RUNTIME_DIR/bus` (systemd's user bus).
 */
import { nodeFs } from '../node-fs.js';
import { decodeUtf8 } from '../utf8.js';
import { isGuid } from './names.js';
import { join } from 'node:path';

/** Where one entry of an address connects to, and the GUID its server must have when the address names one. */
export type Transport = (
  | { kind: 'unix-path'; path: string }
  | { kind: 'unix-abstract'; name: string }
  | { kind: 'tcp'; host: string; port: number; family?: 'ipv4' | 'ipv6' }
) & { guid?: string };

export class AddressError extends Error {}

/** The bytes an address value may hold without escaping (the spec's "optionally-escaped bytes"). */
const PLAIN = /^[-0-9A-Za-z_/.\\*]*$/;

/**
 * An address value's %-escapes undone, as bytes read as UTF-8 (what dbus-daemon prints for a path with `é` is
 * `%c3%a9`, one escape per byte).
 * @throws AddressError for a `%` not followed by two hex digits, or bytes that are not UTF-8.
 */
function unescapeValue(value: string): string {
  if (!value.includes('%')) return value;
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = value.indexOf('%'); at >= 0; at = value.indexOf('%', from)) {
    const hex = value.slice(at + 1, at + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new AddressError(`"%${hex}" is not a %-escape of two hex digits`);
    parts.push(Buffer.from(value.slice(from, at), 'utf8'), Buffer.from([parseInt(hex, 16)]));
    from = at + 3;
  }
  parts.push(Buffer.from(value.slice(from), 'utf8'));
  const text = decodeUtf8(Buffer.concat(parts), true);
  if (text === undefined) throw new AddressError(`the escaped value "${value}" is not UTF-8`);
  return text;
}

/** `value` escaped for an address, as libdbus does: every byte outside the optionally-escaped set as `%xx`. */
export function escapeAddressValue(value: string): string {
  if (PLAIN.test(value)) return value;
  let escaped = '';
  for (const char of value) {
    if (PLAIN.test(char)) escaped += char;
    else for (const byte of Buffer.from(char, 'utf8')) escaped += `%${byte.toString(16).padStart(2, '0')}`;
  }
  return escaped;
}

/**
 * One entry's transport, or why it cannot be used. What makes only this entry unusable (a transport this library
 * does not speak, a TCP entry without a port) is returned as text, so that the address's other entries are still
 * tried, as libdbus does.
 */
function transportOf(method: string, params: Map<string, string>): Transport | string {
  const guid = params.get('guid');
  if (guid !== undefined && !isGuid(guid)) return `guid=${guid} is not 32 hex digits`;
  const withGuid = guid === undefined ? {} : { guid };
  if (method === 'unix') {
    const path = params.get('path');
    const abstract = params.get('abstract');
    if (path !== undefined && abstract !== undefined) return 'path= and abstract= cannot both be given';
    if (path !== undefined) return { kind: 'unix-path', path, ...withGuid };
    if (abstract !== undefined) return { kind: 'unix-abstract', name: abstract, ...withGuid };
    return 'only path= and abstract= can be connected to';
  }
  if (method === 'tcp') {
    const portText = params.get('port') ?? '';
    const port = Number(portText);
    if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) return 'it needs a port=1..65535';
    const family = params.get('family');
    if (family !== undefined && family !== 'ipv4' && family !== 'ipv6') {
      return `family=${family} is not ipv4 or ipv6`;
    }
    return { kind: 'tcp', host: params.get('host') ?? 'localhost', port, ...(family ? { family } : {}), ...withGuid };
  }
  if (method === 'nonce-tcp') return 'nonce-tcp is not supported';
  return `transport "${method}" is not supported`;
}

/**
 * Parses a `;`-separated D-Bus address list into the transports this library can open, in order.
 * @throws AddressError for what libdbus refuses in any entry (no transport name, a pair without `=` or with an empty
 *   key, a broken %-escape), or when no entry can be used (saying why for each).
 */
export function parseAddress(address: string): Transport[] {
  const transports: Transport[] = [];
  const unusable: string[] = [];
  for (const entry of address.split(';').filter((part) => part.trim() !== '')) {
    const colon = entry.indexOf(':');
    if (colon < 1) throw new AddressError(`"${entry}" has no transport name before ":"`);
    const method = entry.slice(0, colon);
    const params = new Map<string, string>();
    for (const pair of entry
      .slice(colon + 1)
      .split(',')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new AddressError(`"${pair}" in "${entry}" is not key=value`);
      params.set(pair.slice(0, eq), unescapeValue(pair.slice(eq + 1)));
    }
    const transport = transportOf(method, params);
    if (typeof transport === 'string') unusable.push(`${entry} (${transport})`);
    else transports.push(transport);
  }
  if (transports.length === 0) {
    throw new AddressError(
      unusable.length ? `no usable transport in the address: ${unusable.join('; ')}` : 'the address is empty',
    );
  }
  return transports;
}

/**
 * `unix:path=$XDG_RUNTIME_DIR/bus` (escaped) when that is a socket owned by this user (systemd's user bus; libdbus
 * checks the same, so that another user's socket is never used), else `undefined`.
 */
export function runtimeBusAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (!runtimeDir) return undefined;
  const socket = join(runtimeDir, 'bus');
  const info = nodeFs().statSync(socket, { throwIfNoEntry: false });
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (!info?.isSocket() || (uid !== undefined && info.uid !== uid)) return undefined;
  return `unix:path=${escapeAddressValue(socket)}`;
}

/** The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else {@link runtimeBusAddress}, else `undefined`. */
export function discoverSessionBusAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DBUS_SESSION_BUS_ADDRESS?.trim() || runtimeBusAddress(env);
}

/**
 * D-Bus server addresses (`unix:path=…;tcp:host=…,port=…`): parsing with the spec's %-escapes, and finding the
 * session bus the way libdbus does, plus `$XDG_RUNTIME_DIR/bus` (systemd's user bus).
 */
import { nodeFs } from '../node-fs.js';
import { join } from 'node:path';

export type Transport =
  | { kind: 'unix-path'; path: string }
  | { kind: 'unix-abstract'; name: string }
  | { kind: 'tcp'; host: string; port: number; family?: 'ipv4' | 'ipv6' };

export class AddressError extends Error {}

function unescape(value: string): string {
  if (!value.includes('%')) return value;
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Parses a `;`-separated D-Bus address list into the transports this library can open, in order. */
export function parseAddress(address: string): Transport[] {
  const transports: Transport[] = [];
  const unsupported: string[] = [];
  for (const entry of address.split(';').filter((part) => part.trim() !== '')) {
    const colon = entry.indexOf(':');
    if (colon < 0) throw new AddressError(`"${entry}" has no transport name before ":"`);
    const method = entry.slice(0, colon);
    const params = new Map<string, string>();
    for (const pair of entry
      .slice(colon + 1)
      .split(',')
      .filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new AddressError(`"${pair}" in "${entry}" is not key=value`);
      params.set(pair.slice(0, eq), unescape(pair.slice(eq + 1)));
    }
    if (method === 'unix') {
      const path = params.get('path');
      const abstract = params.get('abstract');
      if (path !== undefined) transports.push({ kind: 'unix-path', path });
      else if (abstract !== undefined) transports.push({ kind: 'unix-abstract', name: abstract });
      else unsupported.push(`${entry} (only path= and abstract= can be connected to)`);
    } else if (method === 'tcp' || method === 'nonce-tcp') {
      if (method === 'nonce-tcp') {
        unsupported.push(`${entry} (nonce-tcp is not supported)`);
        continue;
      }
      const port = Number(params.get('port'));
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new AddressError(`"${entry}" needs a port=1..65535`);
      }
      const family = params.get('family');
      transports.push({
        kind: 'tcp',
        host: params.get('host') ?? 'localhost',
        port,
        ...(family === 'ipv4' || family === 'ipv6' ? { family } : {}),
      });
    } else {
      unsupported.push(`${entry} (transport "${method}" is not supported)`);
    }
  }
  if (transports.length === 0) {
    throw new AddressError(
      unsupported.length ? `no usable transport in the address: ${unsupported.join('; ')}` : 'the address is empty',
    );
  }
  return transports;
}

/**
 * The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else `unix:path=$XDG_RUNTIME_DIR/bus` when that socket exists
 * (systemd's user bus), else `undefined`.
 */
export function discoverSessionBusAddress(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.DBUS_SESSION_BUS_ADDRESS?.trim();
  if (fromEnv) return fromEnv;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (runtimeDir) {
    const socket = join(runtimeDir, 'bus');
    if (nodeFs().existsSync(socket)) return `unix:path=${socket}`;
  }
  return undefined;
}

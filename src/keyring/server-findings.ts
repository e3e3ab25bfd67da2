/**
 * What diagnose looks at to tell which server owns the Secret Service: the owner's program (its pid from the bus, its
 * name from /proc), the other bus names it holds, and the interfaces of its service object. Each look may fail (a TCP
 * bus tells no pid, another pid namespace hides /proc); what failed is left out.
 */
import { readFileSync } from 'node:fs';
import type { Connection } from '../connection.js';
import { SERVICE_PATH } from '../defines.js';
import type { ServerFindings } from './server-identity.js';

/** The program name and pid of the process owning `uniqueName`, when the bus and /proc tell it. */
export async function programOf(
  connection: Connection,
  uniqueName: string,
): Promise<{ name: string; pid: number } | undefined> {
  try {
    const pid = (await connection.callBus('GetConnectionUnixProcessID', 's', [uniqueName])) as number;
    const comm =
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] || readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return { name: comm.split('/').pop()!, pid };
  } catch {
    // TCP buses cannot tell the pid; another pid namespace hides /proc: the name alone still answers the question.
    return undefined;
  }
}

/** Bus names the servers hold beside the Secret Service's: whichever the owner holds tells the server over TCP too. */
const SERVER_BUS_NAMES = [
  'org.gnome.keyring',
  'org.kde.kwalletd5',
  'org.kde.kwalletd6',
  'org.keepassxc.KeePassXC.MainWindow',
];

/** What tells the server apart, as far as the bus and the service show it; a failed look is left out. */
export async function gatherFindings(
  connection: Connection,
  owner: string,
  program: string | undefined,
): Promise<ServerFindings> {
  const otherNames = await Promise.all(
    SERVER_BUS_NAMES.map(async (name) => {
      const held = await connection.callBus('GetNameOwner', 's', [name]).catch(() => undefined);
      return held === owner ? name : undefined;
    }),
  );
  const interfaces = await connection
    .call(SERVICE_PATH, 'org.freedesktop.DBus.Introspectable', 'Introspect')
    .then(([xml]) => [...String(xml).matchAll(/<interface\s+name="([^"]+)"/g)].map((match) => match[1]))
    .catch(() => undefined);
  return {
    ...(program ? { program } : {}),
    otherNames: otherNames.filter((name): name is string => name !== undefined),
    ...(interfaces ? { interfaces } : {}),
  };
}

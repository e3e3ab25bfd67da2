/** The bus's own view of a connection (dbus-daemon's Debug.Stats): how many match rules it really holds for it. */
import { DBusConnection } from '../../src/dbus/connection.js';

export async function busMatchRuleCount(address: string, uniqueName: string): Promise<number> {
  const probe = await DBusConnection.open(address);
  try {
    const reply = await probe.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus.Debug.Stats',
      member: 'GetConnectionStats',
      signature: 's',
      body: [uniqueName],
    });
    const stats = reply.body[0] as Record<string, { value: number }>;
    return stats.MatchRules.value;
  } finally {
    await probe.close();
  }
}

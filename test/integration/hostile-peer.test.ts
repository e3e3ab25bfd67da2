/**
 * One message from any peer on the bus must cost this process only a small constant: a real dbus-daemon, the victim's
 * connection to the mock service, and a third client (in a process of its own, test/helpers/flood-peer.ts) that sends
 * the victim the largest message D-Bus allows, 128 MiB of one-byte variants (32 million values, gigabytes of objects
 * if decoded).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getDefaultCollection } from '../../src/index.js';
import { useMock } from '../helpers/mock.js';

const FLOOD_PEER = fileURLToPath(new URL('../helpers/flood-peer.ts', import.meta.url));

/** The process's peak resident memory so far, in bytes. */
const peakMemory = () => process.resourceUsage().maxRSS * 1024;

/** Runs the flooding client against `address`, aimed at `destination`; resolves once the bus has taken the message. */
function flood(address: string, destination: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FLOOD_PEER, address, destination], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (out.includes('sent') ? resolve() : reject(new Error(`flood-peer exited ${code}`))));
  });
}

describe('a 128 MiB message from another client', () => {
  const m = useMock();

  it('is skipped on its header: not buffered, not decoded, no memory to speak of, and the connection works on', async () => {
    const conn = m.conn;
    const item = await getDefaultCollection(conn).createItem('before', { flood: '1' }, 'kept');
    const stats = conn.bus.wireStats;
    const before = { ...stats };
    const peakBefore = peakMemory();

    await flood(m.bus.address, conn.uniqueName);
    await conn.callBus('GetId'); // answered after the flood, which the victim has read by then

    // Decoded, it was about 2 GiB of objects; skipped, the peak barely moves (a generous bound, for the collector).
    expect(peakMemory() - peakBefore).toBeLessThan(128 * 1024 * 1024);
    expect(stats.bytesSkipped - before.bytesSkipped).toBeGreaterThan(128 * 1024 * 1024 - 16 * 1024);
    expect(stats.bodyBytesRead - before.bodyBytesRead).toBeLessThan(64 * 1024);
    expect(stats.largestBuffer).toBeLessThan(64 * 1024);
    expect((await item.getSecret()).toString()).toBe('kept');
  }, 180_000);
});

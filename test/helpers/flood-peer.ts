/**
 * A hostile client in a process of its own (so that its buffers are not counted as the victim's memory): connects to
 * the bus at argv[2] and sends the unique name argv[3] one unicast signal of about 128 MiB, two arrays of one-byte
 * variants (signature `avav`, 32 million values), then prints `sent` once the bus has taken all of it.
 */
import { encodeMessage } from '../../src/dbus/codec.js';
import { DBusConnection } from '../../src/dbus/connection.js';
import { MessageType } from '../../src/dbus/message.js';

/** Each array as large as D-Bus allows one (64 MiB), less room for the header: two make a message of about 128 MiB. */
const ARRAY_BYTES = 64 * 1024 * 1024 - 4096;

function hostileSignal(destination: string): Buffer {
  const variants = Buffer.alloc(ARRAY_BYTES);
  // A variant of a byte: signature length 1, 'y', NUL, the byte. Alignment 1, so the array is just these, repeated.
  for (let at = 0; at < ARRAY_BYTES; at += 4) variants.writeUInt32BE(0x01790007, at);
  const frame = encodeMessage({
    type: MessageType.Signal,
    serial: 1_000_000,
    destination,
    path: '/org/example',
    interface: 'org.example.Hostile',
    member: 'Flood',
    signature: 'ayay',
    body: [variants, variants],
  });
  // Same layout as 'avav' (a length, then the elements): only the signature in the header changes.
  frame.write('avav', frame.indexOf('ayay\0'), 'latin1');
  return frame;
}

const [address, destination] = process.argv.slice(2);
const attacker = await DBusConnection.open(address);
(attacker as unknown as { writeFrame(frame: Buffer): void }).writeFrame(hostileSignal(destination));
// The bus handles one connection's messages in order: once it answered this, the flood is in the victim's queue.
await attacker.call({
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus.Peer',
  member: 'Ping',
});
process.stdout.write('sent\n');
await attacker.close();

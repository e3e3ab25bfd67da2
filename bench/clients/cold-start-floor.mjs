// @ts-check
/**
 * A floor for the cold start, not a client: the least a JavaScript process can do to read the cold-start secret
 * (COLD_ATTRIBUTES and COLD_SECRET of workload.mjs, written out as in cold-start.mjs). No library is loaded: the few
 * messages are put together here by hand, replies are read only as far as needed, nothing is checked, and the session
 * is `plain` (no key exchange, no node:crypto, the secret in clear on the bus), all of which a real client must not do.
 * It does make the calls gnome-keyring needs in the order it needs them: a first call that needs no record of the
 * caller (see src/first-contact.ts), then the search and the session together, then the read. What this process takes
 * beyond `node -e 0` is what no JavaScript client can go below: a socket, the bus's handshake, three round trips.
 * usage: node cold-start-floor.mjs
 */
import { connect } from 'node:net';

const LITTLE_ENDIAN = 0x6c;
const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const ERROR = 3;
const FIELD = { path: 1, interface: 2, member: 3, destination: 6, signature: 8 };

let serial = 0;

/** A D-Bus string: its length, its bytes, a NUL. @param {string} text */
const dbusString = (text) => {
  const bytes = Buffer.from(text);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length);
  return Buffer.concat([length, bytes, Buffer.alloc(1)]);
};

/** Zero bytes that bring `length` to a multiple of `boundary`. @param {number} length @param {number} boundary */
const padding = (length, boundary) => Buffer.alloc((boundary - (length % boundary)) % boundary);

/**
 * A method call: header fields (each 8-aligned, a variant of type s, o or g), then the body, 8-aligned.
 * @param {{ destination: string, path: string, interface: string, member: string, signature?: string }} call
 * @param {Buffer} body
 */
function methodCall(call, body = Buffer.alloc(0)) {
  /** @type {[number, string, string][]} */
  const fields = [
    [FIELD.destination, 's', call.destination],
    [FIELD.path, 'o', call.path],
    [FIELD.interface, 's', call.interface],
    [FIELD.member, 's', call.member],
  ];
  if (call.signature) fields.push([FIELD.signature, 'g', call.signature]);
  let headerFields = Buffer.alloc(0);
  for (const [code, type, value] of fields) {
    headerFields = Buffer.concat([headerFields, padding(16 + headerFields.length, 8)]);
    const variantValue =
      type === 'g'
        ? Buffer.concat([Buffer.from([Buffer.byteLength(value)]), Buffer.from(value), Buffer.alloc(1)])
        : dbusString(value);
    headerFields = Buffer.concat([headerFields, Buffer.from([code, 1, type.charCodeAt(0), 0]), variantValue]);
  }
  const fixed = Buffer.from([LITTLE_ENDIAN, METHOD_CALL, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  fixed.writeUInt32LE(body.length, 4);
  fixed.writeUInt32LE(++serial, 8);
  fixed.writeUInt32LE(headerFields.length, 12);
  return Buffer.concat([fixed, headerFields, padding(16 + headerFields.length, 8), body]);
}

const SERVICE = {
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.Secret.Service',
};

/** SearchItems' a{ss}: the array's length, padding to 8, each entry 8-aligned. @param {Record<string, string>} attributes */
function attributesBody(attributes) {
  let entries = Buffer.alloc(0);
  for (const [name, value] of Object.entries(attributes)) {
    entries = Buffer.concat([entries, padding(entries.length, 8)]);
    const key = dbusString(name);
    entries = Buffer.concat([entries, key, padding(key.length, 4), dbusString(value)]);
  }
  const length = Buffer.alloc(4);
  length.writeUInt32LE(entries.length);
  return Buffer.concat([length, Buffer.alloc(4), entries]);
}

const address = (process.env.DBUS_SESSION_BUS_ADDRESS ?? '').replace(/^unix:path=/, '').split(',')[0];
const socket = connect(address);
let received = Buffer.alloc(0);
/** @type {(() => boolean)[]} */
const waiting = [];
socket.on('data', (data) => {
  received = Buffer.concat([received, data]);
  while (waiting.length && waiting[0]()) waiting.shift();
});
/** Resolves with what `take` finds in the bytes received, as soon as they hold it. @template T @param {() => T | undefined} take */
const next = (take) =>
  new Promise((resolve) => {
    const attempt = () => {
      const found = take();
      if (found === undefined) return false;
      resolve(found);
      return true;
    };
    if (!attempt()) waiting.push(attempt);
  });

/** The next whole message. @returns {Promise<Buffer>} */
const nextMessage = () =>
  next(() => {
    if (received.length < 16) return undefined;
    const total = 16 + ((received.readUInt32LE(12) + 7) & ~7) + received.readUInt32LE(4);
    if (received.length < total) return undefined;
    const message = received.subarray(0, total);
    received = received.subarray(total);
    return message;
  });

/** A message's reply serial (header field 5), if it has one. @param {Buffer} message */
function replySerial(message) {
  const end = 16 + message.readUInt32LE(12);
  for (let at = 16; at < end;) {
    at = (at + 7) & ~7;
    const [code, signatureLength] = [message[at], message[at + 1]];
    const type = String.fromCharCode(message[at + 2]);
    at += 3 + signatureLength;
    if (type === 'g') at += 2 + message[at];
    else {
      at = (at + 3) & ~3;
      if (type === 'u' && code === 5) return message.readUInt32LE(at);
      at += type === 'u' ? 4 : 5 + message.readUInt32LE(at);
    }
  }
  return undefined;
}

/** The replies to the calls with these serials, by serial. @param {number[]} serials */
async function replies(serials) {
  /** @type {Map<number, Buffer>} */
  const found = new Map();
  while (found.size < serials.length) {
    const message = await nextMessage();
    const to = replySerial(message);
    if ((message[1] === METHOD_RETURN || message[1] === ERROR) && to !== undefined && serials.includes(to)) {
      if (message[1] === ERROR) throw new Error(`call ${to} failed`);
      found.set(to, message);
    }
  }
  return found;
}

/** The body of a message. @param {Buffer} message */
const bodyOf = (message) => message.subarray(16 + ((message.readUInt32LE(12) + 7) & ~7));

/** The D-Bus string (or object path) at `at` in `bytes`. @param {Buffer} bytes @param {number} at */
const stringAt = (bytes, at) => bytes.toString('utf8', at + 4, at + 4 + bytes.readUInt32LE(at));

await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid?.())).toString('hex')}\r\n`);
const answer = await next(() => {
  const end = received.indexOf('\r\n');
  if (end < 0) return undefined;
  const line = received.toString('latin1', 0, end);
  received = received.subarray(end + 2);
  return line;
});
if (!answer.startsWith('OK ')) throw new Error(`the bus refused: ${answer}`);
// The bus's Hello and the service's first call (Properties.Get, which needs no record of the caller) together.
const hello = methodCall({
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
  member: 'Hello',
});
const first = methodCall(
  { ...SERVICE, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss' },
  Buffer.concat([
    dbusString('org.freedesktop.Secret.Service'),
    padding(dbusString('org.freedesktop.Secret.Service').length, 4),
    dbusString('Collections'),
  ]),
);
socket.write(Buffer.concat([Buffer.from('BEGIN\r\n'), hello, first]));
await replies([1, 2]);
// Then the search and a plain session together: (s "plain", v of s "").
const search = methodCall(
  { ...SERVICE, member: 'SearchItems', signature: 'a{ss}' },
  attributesBody({
    service: 'bench-cold',
    username: 'user',
  }),
);
const open = methodCall(
  { ...SERVICE, member: 'OpenSession', signature: 'sv' },
  Buffer.concat([dbusString('plain'), Buffer.from([1, 's'.charCodeAt(0), 0]), Buffer.alloc(3), dbusString('')]),
);
socket.write(Buffer.concat([search, open]));
const found = await replies([3, 4]);
// SearchItems answers (ao ao): the first unlocked path. OpenSession answers (v o): a variant of s "", then the path.
const searchBody = bodyOf(/** @type {Buffer} */ (found.get(3)));
const item = stringAt(searchBody, 4);
const openBody = bodyOf(/** @type {Buffer} */ (found.get(4)));
let at = 1 + openBody[0] + 1;
at = (at + 3) & ~3;
at += 5 + openBody.readUInt32LE(at);
const session = stringAt(openBody, (at + 3) & ~3);
const read = methodCall(
  {
    destination: SERVICE.destination,
    path: item,
    interface: 'org.freedesktop.Secret.Item',
    member: 'GetSecret',
    signature: 'o',
  },
  dbusString(session),
);
socket.write(read);
// GetSecret answers ((o ay ay s)): the session, the parameters, the value.
const secretBody = bodyOf(/** @type {Buffer} */ ((await replies([5])).get(5)));
at = 5 + secretBody.readUInt32LE(0);
at = (at + 3) & ~3;
at += 4 + secretBody.readUInt32LE(at);
at = (at + 3) & ~3;
const secret = secretBody.toString('utf8', at + 4, at + 4 + secretBody.readUInt32LE(at));
socket.destroy();
if (secret !== 'cold-secret') {
  console.error('cold start floor: the secret read back is not the one stored');
  process.exit(1);
}

// @ts-check
/**
 * A bus connection with no client work in the timed part: calls are encoded before timing, written as bytes, and
 * their replies only framed, never decoded. What a round trip then costs is the socket, the event loop and the
 * daemons: the floor under any client. Used by `npm run bench` (the raw get beside this library's get) and
 * `npm run bench:profile`.
 */
import { connect } from 'node:net';
import { generateKeyPair } from '../dist/esm/crypto/dh.js';
import { decodeMessage, encodeMessage, variant } from '../dist/esm/dbus/codec.js';
import { IncomingBytes } from '../dist/esm/dbus/incoming.js';
import { SASL_BEGIN, authenticate } from '../dist/esm/dbus/sasl.js';
import { ERROR, METHOD_CALL, METHOD_RETURN } from './profile/messages.mjs';

/**
 * A socket authenticated on the bus and said Hello to, for pre-encoded calls: `roundTrip` writes bytes and resolves
 * with the reply's frame (read with `onread`, as the transport does), only framed, never decoded.
 * @param {string} address
 */
export async function rawConnection(address) {
  const incoming = new IncomingBytes();
  const socket = connect({ path: address.replace(/^unix:path=/, '').split(',')[0], onread: incoming.onread });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  await authenticate(socket, incoming, ['EXTERNAL']);
  socket.write(SASL_BEGIN); // before Hello, in a write of its own: setting up is not timed
  /** @type {((frame: { fixed: Buffer, rest: Buffer }) => void) | undefined} */
  let waiting;
  let repliesAwaited = 0;
  let pending = Buffer.alloc(0);
  incoming.consume((chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 16) {
      const total = 16 + ((pending.readUInt32LE(12) + 7) & ~7) + pending.readUInt32LE(4);
      if (pending.length < total) break;
      const frame = { fixed: pending.subarray(0, 16), rest: pending.subarray(16, total) };
      const type = pending[1];
      pending = pending.subarray(total);
      if ((type === METHOD_RETURN || type === ERROR) && --repliesAwaited === 0) waiting?.(frame);
    }
  });
  let serial = 0;
  /** @param {Record<string, unknown>} message */
  const encode = (message) => encodeMessage({ type: METHOD_CALL, serial: ++serial, ...message });
  /**
   * Writes `bytes`, which hold `calls` calls, and resolves with the frame of the last of their replies.
   * @param {Buffer} bytes @returns {Promise<{ fixed: Buffer, rest: Buffer }>}
   */
  const roundTrip = (bytes, calls = 1) =>
    new Promise((resolve) => {
      waiting = resolve;
      repliesAwaited = calls;
      socket.write(bytes);
    });
  /** A call for setting up, its reply decoded. @param {Record<string, unknown>} message */
  const call = async (message) => {
    const frame = await roundTrip(encode(message));
    const decoded = decodeMessage(frame.fixed, frame.rest);
    decoded.decodeBody();
    if (decoded.message.type === ERROR) throw new Error(`${message.member} failed: ${decoded.message.errorName}`);
    return decoded.message.body;
  };
  await call({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'Hello',
  });
  return { encode, roundTrip, call, close: () => socket.destroy() };
}

const SERVICE = {
  destination: 'org.freedesktop.secrets',
  path: '/org/freedesktop/secrets',
  interface: 'org.freedesktop.Secret.Service',
};

/**
 * Gets by attributes as raw bytes: opens an encrypted session on a raw connection and, untimed, finds the item of
 * each attribute set; `get(i)` then sends the pre-encoded SearchItems of the i-th set and, once it is answered, the
 * pre-encoded GetSecrets of its item. No encoding, decoding or decryption: any client's get by attributes is these two
 * round trips. `getAll()` is every get at once with the least the daemons can be asked: all the searches in one write
 * and, once they are answered, one GetSecrets of all the items (the floor under concurrent gets).
 * @param {string} address @param {Record<string, string>[]} attributeSets
 */
export async function rawGets(address, attributeSets) {
  const raw = await rawConnection(address);
  const [, session] = await raw.call({
    ...SERVICE,
    member: 'OpenSession',
    signature: 'sv',
    body: ['dh-ietf1024-sha256-aes128-cbc-pkcs7', variant('ay', Buffer.from(generateKeyPair().publicKey))],
  });
  /** @type {[Buffer, Buffer][]} */
  const calls = [];
  /** @type {string[]} */
  const items = [];
  for (const attributes of attributeSets) {
    const search = { ...SERVICE, member: 'SearchItems', signature: 'a{ss}', body: [attributes] };
    const [[item]] = /** @type {[string[]]} */ (await raw.call(search));
    if (!item) throw new Error(`no unlocked item matches ${JSON.stringify(attributes)}`);
    items.push(item);
    calls.push([
      raw.encode(search),
      raw.encode({ ...SERVICE, member: 'GetSecrets', signature: 'aoo', body: [[item], session] }),
    ]);
  }
  const allSearches = Buffer.concat(calls.map(([search]) => search));
  const allSecrets = raw.encode({ ...SERVICE, member: 'GetSecrets', signature: 'aoo', body: [items, session] });
  return {
    /** @param {number} i */
    async get(i) {
      await raw.roundTrip(calls[i][0]);
      await raw.roundTrip(calls[i][1]);
    },
    async getAll() {
      await raw.roundTrip(allSearches, calls.length);
      await raw.roundTrip(allSecrets);
    },
    close: raw.close,
  };
}

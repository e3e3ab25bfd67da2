// @ts-check
/**
 * The work of a get, a set and a bulk read with no I/O at all: the D-Bus codec (src/dbus/codec.ts)
 * encoding and decoding those very messages, AES per secret, and the DH exchange of a session (with Node's native
 * alternatives for comparison).
 */
import { createPublicKey, diffieHellman, generateKeyPairSync, getDiffieHellman } from 'node:crypto';
import { generateKeyPair } from '../../dist/esm/crypto/dh.js';
import { loadNodeCrypto } from '../../dist/esm/crypto/node-crypto.js';
import { deriveSessionKey } from '../../dist/esm/crypto/session-key.js';
import { decodeMessage, encodeMessage, variant } from '../../dist/esm/dbus/codec.js';
import { ALGORITHM_DH } from '../../dist/esm/defines.js';
import { Session } from '../../dist/esm/session.js';
import { table } from '../markdown.mjs';
import { median } from '../stats.mjs';
import { ITEM_PATH, METHOD_CALL, METHOD_RETURN, PROPERTIES_GET, SESSION_PATH } from './messages.mjs';

/**
 * Median microseconds per call of `fn`, over batches (the first batch warms the JIT up and is dropped), and CPU.
 * @param {() => unknown} fn @param {number} perBatch
 */
function time(fn, perBatch = 200) {
  const batches = [];
  const cpu0 = process.cpuUsage();
  let calls = 0;
  for (let batch = 0; batch < 21; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) fn();
    if (batch > 0) batches.push(Number(process.hrtime.bigint() - start) / 1e3 / perBatch);
    calls += perBatch;
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: median(batches), cpuUs: (cpu.user + cpu.system) / calls };
}

/** A reply as the bus delivers it, split the way src/dbus/connection.ts splits a frame. @param {string} signature @param {unknown[]} body */
function replyFrame(signature, body) {
  const bytes = encodeMessage({
    type: METHOD_RETURN,
    serial: 7,
    replySerial: 3,
    destination: ':1.5',
    signature,
    body,
  });
  return { fixed: bytes.subarray(0, 16), rest: bytes.subarray(16), bytes: bytes.length };
}

/** @param {{ fixed: Buffer, rest: Buffer }} frame */
function decode(frame) {
  const decoded = decodeMessage(frame.fixed, frame.rest);
  decoded.decodeBody();
  return decoded.message;
}

/** @param {number} us */
const micro = (us) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2));

/** The codec and the transfer crypto, each on its own, as a Markdown table. */
export async function isolatedWorkSection() {
  await loadNodeCrypto();
  const key = new Uint8Array(16).fill(7);
  const session = new Session(SESSION_PATH, ALGORITHM_DH, key);
  const secret = Buffer.from('secret-123');
  const struct = session.encode(secret, 'text/plain');
  const bulkReply = Object.fromEntries(
    Array.from({ length: 1000 }, (_, i) => [
      `/org/freedesktop/secrets/collection/login/${i + 1}`,
      session.encode(secret, 'text/plain'),
    ]),
  );
  const frames = {
    search: replyFrame('aoao', [[ITEM_PATH], []]),
    getSecret: replyFrame('(oayays)', [struct]),
    properties: replyFrame('v', [
      variant('ao', ['/org/freedesktop/secrets/collection/login', '/org/freedesktop/secrets/collection/session']),
    ]),
    bulk: replyFrame('a{o(oayays)}', [bulkReply]),
  };
  const call = (/** @type {Record<string, unknown>} */ fields) => () =>
    encodeMessage(/** @type {any} */ ({ serial: 3, ...fields }));
  const rows = [
    ['encode Properties.Get call (ss)', call(PROPERTIES_GET)],
    ['decode its reply (v of ao, 2 paths)', () => decode(frames.properties), frames.properties.bytes],
    [
      'encode Service.SearchItems call (a{ss}, 2 attributes)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets',
        interface: 'org.freedesktop.Secret.Service',
        member: 'SearchItems',
        signature: 'a{ss}',
        body: [{ service: 'bench-this', username: 'user42' }],
      }),
    ],
    ['decode its reply (aoao, 1 path)', () => decode(frames.search), frames.search.bytes],
    [
      'encode Item.GetSecret call (o)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: ITEM_PATH,
        interface: 'org.freedesktop.Secret.Item',
        member: 'GetSecret',
        signature: 'o',
        body: [SESSION_PATH],
      }),
    ],
    ['decode its reply ((oayays), 16-byte secret)', () => decode(frames.getSecret), frames.getSecret.bytes],
    ['AES-128-CBC decrypt + unpad one secret (Session.decode)', () => session.decode(struct, 'profile')],
    ['AES-128-CBC pad + encrypt one secret (Session.encode)', () => session.encode(secret, 'text/plain')],
    [
      'encode Collection.CreateItem call (a{sv}(oayays)b)',
      call({
        type: METHOD_CALL,
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets/collection/login',
        interface: 'org.freedesktop.Secret.Collection',
        member: 'CreateItem',
        signature: 'a{sv}(oayays)b',
        body: [
          {
            'org.freedesktop.Secret.Item.Label': variant('s', 'bench 42'),
            'org.freedesktop.Secret.Item.Attributes': variant('a{ss}', { service: 'bench-this', username: 'user42' }),
          },
          struct,
          true,
        ],
      }),
    ],
  ].map(([name, fn, bytes]) => {
    const { us, cpuUs } = time(/** @type {() => unknown} */ (fn));
    return [/** @type {string} */ (name), bytes ? String(bytes) : '', micro(us), micro(cpuUs)];
  });
  const bulk = time(() => decode(frames.bulk), 3);
  rows.push([
    'decode a GetSecrets reply of 1,000 secrets (a{o(oayays)})',
    String(frames.bulk.bytes),
    micro(bulk.us),
    micro(bulk.cpuUs),
  ]);
  const bulkDecrypt = time(() => {
    for (const value of Object.values(bulkReply)) session.decode(value, 'profile');
  }, 3);
  rows.push(['decrypt those 1,000 secrets', '', micro(bulkDecrypt.us), micro(bulkDecrypt.cpuUs)]);

  const serverPublicKey = generateKeyPair().publicKey;
  const ours = time(() => deriveSessionKey(generateKeyPair().privateKey, serverPublicKey), 2);
  rows.push([
    'DH, our side of one session today (2 modexps in BigInt, 256-bit exponent: key pair + shared secret)',
    '',
    micro(ours.us),
    micro(ours.cpuUs),
  ]);
  const checkedGroup = time(() => getDiffieHellman('modp2'), 2);
  rows.push([
    "node:crypto getDiffieHellman('modp2') alone (Node checks the group: paid once per process)",
    '',
    micro(checkedGroup.us),
    micro(checkedGroup.cpuUs),
  ]);
  // KeyObject DH skips that check; the server's key would be imported as SPKI DER (built from its 128 bytes).
  // @types/node has no overload for 'dh' key pairs, which Node has supported since 15.
  const generateDhKeyPair =
    /** @type {(type: 'dh', options: { group: string }) => import('node:crypto').KeyPairKeyObjectResult} */ (
      /** @type {unknown} */ (generateKeyPairSync)
    );
  const serverDer = generateDhKeyPair('dh', { group: 'modp2' }).publicKey.export({ type: 'spki', format: 'der' });
  const keyObjects = time(() => {
    const { privateKey } = generateDhKeyPair('dh', { group: 'modp2' });
    diffieHellman({ privateKey, publicKey: createPublicKey({ key: serverDer, format: 'der', type: 'spki' }) });
  }, 2);
  rows.push([
    "the same with node:crypto KeyObjects (generateKeyPairSync('dh', { group: 'modp2' }) + diffieHellman)",
    '',
    micro(keyObjects.us),
    micro(keyObjects.cpuUs),
  ]);
  return table(['work, in isolation', 'bytes', 'µs (median)', 'CPU µs'], rows);
}

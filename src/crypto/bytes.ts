/** Small byte helpers shared by the transfer-encryption functions. */

/** Overwrites `bytes` with zeros; used on every key and plaintext buffer this library owns once it is done with it. */
export function wipe(...buffers: (Uint8Array | undefined)[]): void {
  for (const bytes of buffers) bytes?.fill(0);
}

/** Unsigned big-endian bytes of `value`, left-padded with zeros to `length` bytes. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (rest !== 0n) throw new RangeError(`value does not fit in ${length} bytes`);
  return out;
}

/** The unsigned big-endian integer held in `bytes`. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

// The sequential stage's reset between clients: what a client that did not finish left behind goes, nothing else.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a checked JavaScript module of the benchmark, without declarations
import { removeLeftoverItems } from '../../bench/leftover-items.mjs';
import { getDefaultCollection, searchItems } from '../../src/index.js';
import { useKeyring } from '../helpers/keyring.js';

const k = useKeyring();

describe('removeLeftoverItems', () => {
  it("deletes the named clients' sequential workload items and keeps every other item", async () => {
    const collection = getDefaultCollection(k.conn);
    const store = (attributes: Record<string, string>) => collection.createItem('bench', attributes, 'secret');
    for (let i = 0; i < 3; i++) await store({ service: 'bench-napi-keyring', username: `user${i}` });
    await store({ service: 'bench-this', username: 'user0' });
    await store({ service: 'bench-this', account: 'keytar-shaped' });
    const kept = [
      { service: 'bench-cold', username: 'user' },
      { service: 'bench-not-a-client', username: 'user0' },
      { service: 'unrelated', username: 'user0' },
      { username: 'no-service' },
    ];
    for (const attributes of kept) await store(attributes);

    expect(await removeLeftoverItems(k.address, ['this', 'napi-keyring', 'libsecret'])).toBe(5);
    for (const service of ['bench-napi-keyring', 'bench-this']) {
      expect(await searchItems(k.conn, { service })).toEqual([]);
    }
    for (const attributes of kept) expect(await searchItems(k.conn, attributes)).toHaveLength(1);
    expect(await removeLeftoverItems(k.address, ['this', 'napi-keyring'])).toBe(0);
  });
});

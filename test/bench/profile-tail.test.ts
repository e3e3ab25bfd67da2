// bench/profile/tail.mjs (a section of `npm run bench:profile`) at a toy size against a real gnome-keyring: it runs
// its passes in a fresh process and reports each one, and the split of the slowest gets' time. No time is asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a checked JavaScript module of the benchmark, without declarations
import { tailSection } from '../../bench/profile/tail.mjs';
// @ts-expect-error: as above
import { PROFILE_ATTRIBUTES } from '../../bench/profile/messages.mjs';
import { dbusInit, getDefaultCollection } from '../../src/index.js';
import { startHeadlessKeyring, type HeadlessKeyring } from '../../src/testing/headless-keyring.js';

describe('the tail profile', () => {
  let keyring: HeadlessKeyring;

  beforeAll(async () => {
    keyring = await startHeadlessKeyring();
    const conn = await dbusInit({ address: keyring.address });
    try {
      await getDefaultCollection(conn).createItem('profile', PROFILE_ATTRIBUTES, 'profile-secret');
    } finally {
      await conn.close();
    }
  });

  afterAll(async () => {
    await keyring?.stop();
  });

  it('reports each pass and where the slowest gets spent their time, client and daemons', () => {
    const pids = { keyring: keyring.processes.keyring.pid, bus: keyring.processes.bus.pid };
    const report: string = tailSection(keyring.address, pids, { gets: 20 });
    const number = String.raw`[\d.]+`;
    expect(report).toMatch(
      new RegExp(
        String.raw`\| first pass \(gets 1–20\) \| ${number} / ${number} / ${number} / ${number} \| ` +
          String.raw`${number} \+ ${number} \| ${number} \| \d+ \+ \d+ \| ${number} \|`,
      ),
    );
    expect(report).toContain('| pass 4 (gets 61–80) |');
    const split = new RegExp(String.raw`\| the slowest 1% of each pass( \| ${number}){7} \|`);
    expect(report).toMatch(split);
    expect(report).toMatch(new RegExp(String.raw`\| gets around the median( \| ${number}){7} \|`));
  }, 120_000);
});

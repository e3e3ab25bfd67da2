#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:profile`: where a `get` spends its time, each part measured in isolation, for deciding what (if
 * anything) to replace in the core. Starts its own private gnome-keyring; prints Markdown tables:
 * - the codec and the transfer crypto with no I/O (profile/isolated.mjs);
 * - one call to gnome-keyring from raw bytes up to the public API, and the client's CPU by component
 *   (profile/round-trips.mjs);
 * - JIT warm-up over many gets, and a cold process step by step (profile/fresh-process.mjs);
 * - the mean and the tail of a get in a fresh process: client CPU by thread, allocation and collections per pass,
 *   and each get's time on a CPU and waiting for one, client and daemons (profile/tail.mjs).
 * usage: npm run bench:profile [-- --n 2000]
 */
import { parseArgs } from 'node:util';
import { dbusInit, getDefaultCollection } from '../dist/esm/index.js';
import { startHeadlessKeyring } from '../dist/esm/testing/index.js';
import { COLD_ATTRIBUTES, COLD_SECRET } from './clients/workload.mjs';
import { coldSection, warmUpSection } from './profile/fresh-process.mjs';
import { isolatedWorkSection } from './profile/isolated.mjs';
import { PROFILE_ATTRIBUTES } from './profile/messages.mjs';
import { cpuProfileSection, roundTripSection } from './profile/round-trips.mjs';
import { tailSection } from './profile/tail.mjs';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' } } });
const n = Number(values.n);
if (!Number.isInteger(n) || n < 1) {
  process.stderr.write(`bench:profile: --n must be a whole number ≥ 1, got "${values.n}"\n`);
  process.exit(2);
}

const keyring = await startHeadlessKeyring();
try {
  const conn = await dbusInit({ address: keyring.address });
  const collection = getDefaultCollection(conn);
  await collection.createItem('profile', PROFILE_ATTRIBUTES, 'profile-secret');
  await collection.createItem('profile cold start', COLD_ATTRIBUTES, COLD_SECRET);
  await conn.close();
  process.stdout.write(`# Where a get spends its time (${new Date().toISOString()}, Node ${process.version})\n\n`);
  process.stdout.write(`${await isolatedWorkSection()}\n\n`);
  process.stdout.write(`${await roundTripSection(keyring.address, n)}\n\n`);
  process.stdout.write(`${await cpuProfileSection(keyring.address, n)}\n\n`);
  process.stdout.write(`${warmUpSection(keyring.address)}\n\n`);
  process.stdout.write(`${coldSection(keyring.address)}\n\n`);
  const pids = { keyring: keyring.processes.keyring.pid ?? 0, bus: keyring.processes.bus.pid ?? 0 };
  process.stdout.write(`${tailSection(keyring.address, pids)}\n`);
} finally {
  await keyring.stop();
}

// @ts-check
/** Measurements that need a fresh Node process each: a cold start step by step, and JIT warm-up over many gets. */
import { spawnSync } from 'node:child_process';
import { formatCount, formatMs, table } from '../markdown.mjs';
import { median } from '../stats.mjs';
import { COLD_ATTRIBUTES } from '../clients/workload.mjs';
import { PROFILE_ATTRIBUTES } from './messages.mjs';

/**
 * The same get, batch after batch in one fresh process: how much of a short run's client CPU is V8 compiling the hot
 * paths (in background threads too, which process.cpuUsage counts) rather than the steady cost.
 * @param {string} address
 */
export function warmUpSection(address) {
  const script = `
    const lib = await import(${JSON.stringify(new URL('../../dist/esm/index.js', import.meta.url).href)});
    const conn = await lib.dbusInit();
    const batches = [];
    for (let batch = 0; batch < 8; batch++) {
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < 300; i++) {
        const [item] = await lib.searchItems(conn, ${JSON.stringify(PROFILE_ATTRIBUTES)});
        await item.getSecret();
      }
      const cpu = process.cpuUsage(cpu0);
      batches.push([(performance.now() - start) / 300, (cpu.user + cpu.system) / 1000 / 300]);
    }
    await conn.close();
    console.log(JSON.stringify(batches));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`warm-up profile failed: ${child.stderr}`);
  /** @type {[number, number][]} */
  const batches = JSON.parse(child.stdout);
  const rows = batches.map(([wall, cpu], index) => [
    `gets ${formatCount(index * 300 + 1)}–${formatCount((index + 1) * 300)}`,
    formatMs(wall),
    formatMs(cpu),
  ]);
  return table(['one fresh process, 300 gets at a time', 'wall ms per get', 'client CPU ms per get'], rows);
}

/** Imports and first calls of a cold process, measured in a fresh child process each time. */
export function coldSection(/** @type {string} */ address) {
  const script = `
    const t0 = performance.now();
    const marks = [];
    const mark = (name) => marks.push([name, performance.now()]);
    await import(${JSON.stringify(new URL('../../dist/esm/dbus/codec.js', import.meta.url).href)}); mark('import the D-Bus codec (src/dbus: signature, writer, reader)');
    await import(${JSON.stringify(new URL('../../dist/esm/dbus/connection.js', import.meta.url).href)}); mark('import the transport');
    await import(${JSON.stringify(new URL('../../dist/esm/crypto/dh.js', import.meta.url).href)}); mark('import the DH key-pair code (BigInt, /dev/urandom)');
    const lib = await import(${JSON.stringify(new URL('../../dist/esm/index.js', import.meta.url).href)}); mark('import the rest of the library');
    const conn = await lib.dbusInit(); mark('dbusInit: connect, authenticate, Hello');
    await conn.session(); mark('open the encrypted session (AddMatch, DH key pair, OpenSession; node:crypto loads meanwhile)');
    const [item] = await lib.searchItems(conn, ${JSON.stringify(COLD_ATTRIBUTES)}); mark('SearchItems');
    await item.getSecret(); mark('the secret (GetSecrets)');
    await conn.close(); mark('close');
    let last = t0;
    console.log(JSON.stringify(marks.map(([name, at]) => { const ms = at - last; last = at; return [name, ms]; })));
  `;
  /** @type {Map<string, number[]>} */
  const samples = new Map();
  for (let run = 0; run < 9; run++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`cold-start profile failed: ${child.stderr}`);
    for (const [name, ms] of JSON.parse(child.stdout)) samples.set(name, [...(samples.get(name) ?? []), ms]);
  }
  const boot = spawnSync(process.execPath, ['-e', 'console.log(performance.now())'], { encoding: 'utf8' });
  const rows = [
    ['Node start-up until user code runs (`performance.now()` at the first line)', formatMs(Number(boot.stdout))],
  ];
  for (const [name, list] of samples) rows.push([name, formatMs(median(list))]);
  // What the first encrypted session loads while gnome-keyring computes its half of OpenSession (src/session.ts).
  const cryptoLoads = [];
  for (let run = 0; run < 9; run++) {
    const child = spawnSync(
      process.execPath,
      // An ES module: a CommonJS `node -e` loads node:crypto up front (for its `crypto` global).
      [
        '--input-type=module',
        '-e',
        "const t = performance.now(); process.getBuiltinModule('node:crypto'); console.log(performance.now() - t)",
      ],
      { encoding: 'utf8' },
    );
    cryptoLoads.push(Number(child.stdout));
  }
  rows.push([
    'node:crypto alone, in a fresh process (loaded during OpenSession, inside the step above)',
    formatMs(median(cryptoLoads)),
  ]);
  return table(['cold process, step by step (median of 9)', 'ms'], rows);
}

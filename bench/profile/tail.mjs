// @ts-check
/**
 * Where the mean and the tail of a get come from, in one fresh process: four passes of 300 gets, each get's wall
 * time split (from /proc/<pid>/schedstat, which the kernel keeps per thread) into time on a CPU and time waiting for
 * one, for the client's main thread, gnome-keyring-daemon and dbus-daemon; per pass the client's CPU by thread (the
 * main thread, and V8's worker threads, which compile hot functions with TurboFan and help the garbage collector),
 * the bytes allocated per get and the collections (v8.GCProfiler). Allocation and collection counts do not depend on
 * the machine's load; wall times do, and the split says how much of a slow get was waiting for a CPU.
 */
import { spawnSync } from 'node:child_process';
import { formatMs, table } from '../markdown.mjs';
import { median } from '../stats.mjs';
import { PROFILE_ATTRIBUTES } from './messages.mjs';

const PASSES = 4;
const SPLIT_PASSES = 2;

/** The child: runs the passes and prints one JSON line per pass. @param {string} library @param {number} GETS */
const script = (library, GETS) => `
  import { readFileSync, readdirSync } from 'node:fs';
  import v8 from 'node:v8';
  const lib = await import(${JSON.stringify(library)});
  const daemons = [Number(process.env.PROFILE_KEYRING_PID), Number(process.env.PROFILE_BUS_PID)];
  /** [on a CPU, waiting for one] in ms, of one thread. */
  const sched = (path) => readFileSync(path, 'utf8').split(' ', 2).map((ns) => Number(ns) / 1e6);
  const main = \`/proc/self/task/\${process.pid}/schedstat\`;
  const stats = () => [sched(main), ...daemons.map((pid) => sched(\`/proc/\${pid}/schedstat\`))];
  const threadCpu = () => {
    let workers = 0;
    for (const task of readdirSync('/proc/self/task')) {
      if (task !== String(process.pid)) workers += sched(\`/proc/self/task/\${task}/schedstat\`)[0];
    }
    return { main: sched(main)[0], workers };
  };
  const conn = await lib.dbusInit();
  // The passes after the first PASSES read /proc around every get (which allocates and costs CPU of its own): they
  // give the split of each get's time only.
  for (let pass = 0; pass < ${PASSES + SPLIT_PASSES}; pass++) {
    const split = pass >= ${PASSES};
    const gets = [];
    const gc = new v8.GCProfiler();
    gc.start();
    const heap0 = v8.getHeapStatistics().used_heap_size;
    const cpu0 = threadCpu();
    for (let i = 0; i < ${GETS}; i++) {
      const before = split ? stats() : undefined;
      const start = performance.now();
      const [item] = await lib.searchItems(conn, ${JSON.stringify(PROFILE_ATTRIBUTES)});
      (await item.getSecret()).fill(0);
      const ms = performance.now() - start;
      if (!before) {
        gets.push([ms]);
        continue;
      }
      const after = stats();
      gets.push([ms, ...after.flatMap((now, p) => [now[0] - before[p][0], now[1] - before[p][1]])]);
    }
    const cpu1 = threadCpu();
    const heap1 = v8.getHeapStatistics().used_heap_size;
    const collections = gc.stop().statistics;
    let allocated = 0;
    let previous = heap0;
    for (const { beforeGC, afterGC } of collections) {
      allocated += beforeGC.heapStatistics.usedHeapSize - previous;
      previous = afterGC.heapStatistics.usedHeapSize;
    }
    allocated += heap1 - previous;
    console.log(JSON.stringify({
      gets,
      mainCpuMs: cpu1.main - cpu0.main,
      workerCpuMs: cpu1.workers - cpu0.workers,
      allocated,
      collections: collections.map(({ gcType, cost }) => [gcType, cost / 1000]),
    }));
  }
  await conn.close();
`;

/**
 * @param {string} address @param {{ keyring: number, bus: number }} pids
 * @param {{ gets?: number, library?: string }} [options] gets per pass (300), and the library's entry point (the
 *   built one)
 */
export function tailSection(address, pids, options = {}) {
  const GETS = options.gets ?? 300;
  const library = options.library ?? new URL('../../dist/esm/index.js', import.meta.url).href;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script(library, GETS)], {
    env: {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: address,
      PROFILE_KEYRING_PID: String(pids.keyring),
      PROFILE_BUS_PID: String(pids.bus),
    },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`tail profile failed: ${child.stderr}`);
  /** @type {{ gets: number[][], mainCpuMs: number, workerCpuMs: number, allocated: number, collections: [string, number][] }[]} */
  const lines = child.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const passes = lines.slice(0, PASSES);
  const splitPasses = lines.slice(PASSES);
  const quantile = (/** @type {number[]} */ values, /** @type {number} */ fraction) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * fraction))];
  };
  const perPass = passes.map((pass, index) => {
    const walls = pass.gets.map(([ms]) => ms);
    const mean = walls.reduce((sum, ms) => sum + ms, 0) / walls.length;
    const scavenges = pass.collections.filter(([type]) => type === 'Scavenge');
    const pause = pass.collections.reduce((sum, [, ms]) => sum + ms, 0);
    return [
      `${index === 0 ? 'first pass' : `pass ${index + 1}`} (gets ${index * GETS + 1}–${(index + 1) * GETS})`,
      `${formatMs(mean)} / ${formatMs(median(walls))} / ${formatMs(quantile(walls, 0.9))} / ${formatMs(quantile(walls, 0.99))}`,
      `${formatMs(pass.mainCpuMs / GETS)} + ${formatMs(pass.workerCpuMs / GETS)}`,
      (pass.allocated / GETS / 1024).toFixed(1),
      `${scavenges.length} + ${pass.collections.length - scavenges.length}`,
      formatMs(pause),
    ];
  });
  // The slowest 1% of each pass against its median get: what they spent on a CPU and waiting for one.
  const parts = ['client on CPU', 'client waiting', 'keyring on CPU', 'keyring waiting', 'bus on CPU', 'bus waiting'];
  const slow = splitPasses.flatMap((pass) =>
    [...pass.gets].sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.round(GETS / 100))),
  );
  const typical = splitPasses.flatMap((pass) => {
    const sorted = [...pass.gets].sort((a, b) => a[0] - b[0]);
    return sorted.slice(Math.floor(sorted.length * 0.45), Math.ceil(sorted.length * 0.55));
  });
  const average = (/** @type {number[][]} */ gets, /** @type {number} */ column) =>
    gets.reduce((sum, get) => sum + get[column], 0) / gets.length;
  const split = [
    ['the slowest 1% of each pass', slow],
    ['gets around the median', typical],
  ].map(([name, gets]) => [
    /** @type {string} */ (name),
    ...[0, 1, 2, 3, 4, 5, 6].map((column) => formatMs(average(/** @type {number[][]} */ (gets), column))),
  ]);
  return [
    `One fresh process, ${PASSES} passes of ${GETS} gets (searchItems + getSecret) in a row:`,
    '',
    table(
      [
        'pass',
        'ms per get: mean / median / p90 / p99',
        'client CPU ms per get: main thread + V8 workers',
        'KB allocated per get',
        'collections: scavenges + full',
        'GC pauses, ms in the pass',
      ],
      perPass,
    ),
    '',
    `Where the time of a get went, over ${SPLIT_PASSES} more passes that read /proc/<pid>/schedstat around every get ` +
      '(ms, averages; on a CPU, and runnable but waiting for one):',
    '',
    table(['gets', 'wall', ...parts], split),
  ].join('\n');
}

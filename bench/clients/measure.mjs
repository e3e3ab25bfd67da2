// @ts-check
/**
 * What every Node benchmark client shares: timing a phase op by op, the client's own CPU time (process.cpuUsage,
 * all threads), gnome-keyring-daemon's and dbus-daemon's CPU time from /proc, and one JSON line per result on stdout
 * for the runner.
 */
import { readFileSync } from 'node:fs';

/**
 * @typedef {{ keyring: number, bus: number }} DaemonCpu  CPU milliseconds of gnome-keyring-daemon and dbus-daemon
 * @typedef {{ client: string, phase: string, n: number, samples_ms?: number[], wall_ms: number, cpu_ms: number,
 *   daemon_cpu_ms: DaemonCpu | null, [extra: string]: unknown }} PhaseResult
 */

const daemonPids = { keyring: Number(process.env.BENCH_KEYRING_PID), bus: Number(process.env.BENCH_BUS_PID) };
const clockTicks = Number(process.env.BENCH_CLK_TCK || 100);

/** CPU milliseconds a process has used so far (user + system, all threads), from /proc. @param {number} pid */
function processCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the 3rd field, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** CPU milliseconds the daemons have used so far, or null when unknown (not Linux, or no pids given). @returns {DaemonCpu | null} */
export function daemonCpuMs() {
  if (!daemonPids.keyring || !daemonPids.bus) return null;
  try {
    return { keyring: processCpuMs(daemonPids.keyring), bus: processCpuMs(daemonPids.bus) };
  } catch {
    return null;
  }
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** @param {Record<string, unknown>} line */
export function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `op(i)` for i < n one after another, timing each, and emits the result.
 * @param {string} client @param {string} phase @param {number} n
 * @param {(i: number) => unknown} op
 * @param {Record<string, unknown>} [extra]
 */
export async function measureEach(client, phase, n, op, extra = {}) {
  const samples = new Array(n);
  const daemon0 = daemonCpuMs();
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    samples[i] = performance.now() - t;
  }
  const wall = performance.now() - wall0;
  const cpu = cpuMs() - cpu0;
  const daemon1 = daemonCpuMs();
  emit(result(client, phase, n, wall, cpu, daemon0, daemon1, { samples_ms: samples.map(round), ...extra }));
}

/**
 * Times one run of `whole()`, which does `n` operations at once (concurrent calls, a bulk read), and emits it.
 * @param {string} client @param {string} phase @param {number} n
 * @param {() => unknown} whole
 * @param {Record<string, unknown>} [extra]
 */
export async function measureWhole(client, phase, n, whole, extra = {}) {
  const daemon0 = daemonCpuMs();
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  await whole();
  const wall = performance.now() - wall0;
  const cpu = cpuMs() - cpu0;
  const daemon1 = daemonCpuMs();
  emit(result(client, phase, n, wall, cpu, daemon0, daemon1, extra));
}

/**
 * Times `batches` runs of `whole()`, each emitted as its own line (the report takes the median batch), after one
 * untimed run: a process's first batch of concurrent calls pays for compiling that path (JIT, lazily loaded code),
 * which a sequential phase spreads over its first few operations and its median leaves out.
 * @param {string} client @param {string} phase @param {number} n @param {number} batches
 * @param {() => unknown} whole
 */
export async function measureBatches(client, phase, n, batches, whole) {
  await whole();
  for (let batch = 0; batch < batches; batch++) await measureWhole(client, phase, n, whole);
}

/**
 * @param {string} client @param {string} phase @param {number} n @param {number} wall @param {number} cpu
 * @param {DaemonCpu | null} daemon0 @param {DaemonCpu | null} daemon1 @param {Record<string, unknown>} extra
 * @returns {PhaseResult}
 */
function result(client, phase, n, wall, cpu, daemon0, daemon1, extra) {
  return {
    client,
    phase,
    n,
    wall_ms: round(wall),
    cpu_ms: round(cpu),
    daemon_cpu_ms:
      daemon0 === null || daemon1 === null
        ? null
        : { keyring: round(daemon1.keyring - daemon0.keyring), bus: round(daemon1.bus - daemon0.bus) },
    ...extra,
  };
}

/** @param {number} ms */
function round(ms) {
  return Math.round(ms * 1000) / 1000;
}

/** Throws unless the secret read back is the one written (a benchmark that reads garbage measures nothing). */
export function expectSecret(
  /** @type {unknown} */ actual,
  /** @type {string} */ expected,
  /** @type {string} */ what,
) {
  const text = actual instanceof Uint8Array ? Buffer.from(actual).toString('utf8') : actual;
  if (text !== expected) throw new Error(`${what}: read back a different secret than was stored.`);
}

/**
 * The stage to run and its options, as the runner passes them: `<stage> '<json>'` after any leading arguments.
 * @param {number} skip arguments before the stage (e.g. which peer)
 * @returns {{ stage: string, options: Record<string, any> }}
 */
export function parseStage(skip = 0) {
  const [stage = '', json = '{}'] = process.argv.slice(2 + skip);
  return { stage, options: JSON.parse(json) };
}

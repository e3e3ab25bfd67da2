// @ts-check
/**
 * Turning the clients' raw lines into the figures the report shows: the distribution of the per-operation times
 * (mean, median, p90, p99, max), per-op CPU, throughput.
 */

/** @param {number[]} values */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The `fraction` quantile of `values` (0.9 for p90), interpolated linearly between the two nearest ranks (as
 * numpy's default and R's type 7 do), so that a p99 of 300 samples moves smoothly with its two largest neighbours.
 * @param {number[]} values @param {number} fraction
 */
export function quantile(values, fraction) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * fraction;
  const low = Math.floor(rank);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** @param {number[]} values */
export function mean(values) {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * @typedef {{
 *   ms: number,
 *   meanMs: number,
 *   p90Ms: number,
 *   p99Ms: number,
 *   maxMs: number,
 *   cpuPerOpMs: number,
 *   keyringCpuPerOpMs: number | null,
 *   busCpuPerOpMs: number | null,
 *   opsPerSecond: number,
 *   n: number,
 *   runs: number,
 *   runMs: number[],
 * }} Figure
 * `ms` is the median time of one operation (sequential phases), or of the whole batch (concurrent and bulk phases,
 * where `opsPerSecond` counts the operations inside it); `meanMs`, `p90Ms`, `p99Ms` and `maxMs` are the same
 * distribution's mean, 90th and 99th percentiles and largest value (over every round's operations pooled). The mean
 * of a sequential phase is its total time per operation: what a program doing that many calls in a row waits. `runMs` is the same median for each line alone (a sequential
 * phase's line is one round), in the order the lines came.
 */

/**
 * Summarises every line of one client and phase (several lines when a phase was repeated).
 * @param {import('./run-client.mjs').ClientLine[]} lines
 * @returns {Figure | undefined}
 */
export function summarise(lines) {
  if (lines.length === 0) return undefined;
  const samples = lines.flatMap((line) => line.samples_ms ?? []);
  const operations = lines.reduce((sum, line) => sum + line.n, 0);
  const cpu = lines.reduce((sum, line) => sum + line.cpu_ms, 0);
  const daemons = lines.every((line) => line.daemon_cpu_ms !== null)
    ? lines.map((line) => /** @type {import('./clients/measure.mjs').DaemonCpu} */ (line.daemon_cpu_ms))
    : null;
  const batches = lines.map((line) => line.wall_ms);
  const distribution = samples.length ? samples : batches;
  const ms = median(distribution);
  return {
    ms,
    meanMs: mean(distribution),
    p90Ms: quantile(distribution, 0.9),
    p99Ms: quantile(distribution, 0.99),
    maxMs: Math.max(...distribution),
    cpuPerOpMs: cpu / operations,
    keyringCpuPerOpMs: daemons && daemons.reduce((sum, cpu) => sum + cpu.keyring, 0) / operations,
    busCpuPerOpMs: daemons && daemons.reduce((sum, cpu) => sum + cpu.bus, 0) / operations,
    // A sequential phase's throughput follows from its median; a batch's from its median batch.
    opsPerSecond: samples.length ? 1000 / ms : (1000 * lines[0].n) / median(batches),
    n: samples.length || operations,
    runs: lines.length,
    runMs: lines.map((line) => (line.samples_ms?.length ? median(line.samples_ms) : line.wall_ms)),
  };
}

/** mulberry32: a small seeded generator, so that the same figures always give the same bootstrap interval. @param {number} seed */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 95% bootstrap interval for `median(values) / median(baseline)`: both sets resampled with replacement, 2,000 times
 * from a fixed seed. It says how far the ratio could move from this run's noise alone; it assumes the runs are
 * independent, as the cold-start runs roughly are (separate processes, the commands taking turns), not operations in
 * one process, which drift together. Slower spells of the machine that last several runs make it somewhat narrower
 * than the truth: a run-to-run spread beyond it is to be expected.
 * @param {number[]} values @param {number[]} baseline
 * @returns {[number, number] | undefined} undefined when either set has fewer than 5 values
 */
export function medianRatioInterval(values, baseline, resamples = 2000) {
  if (values.length < 5 || baseline.length < 5) return undefined;
  const random = seededRandom(0x5eed);
  /** @param {number[]} set */
  const resampledMedian = (set) => median(Array.from(set, () => set[Math.floor(random() * set.length)]));
  const ratios = Array.from({ length: resamples }, () => resampledMedian(values) / resampledMedian(baseline)).sort(
    (a, b) => a - b,
  );
  return [ratios[Math.floor(resamples * 0.025)], ratios[Math.ceil(resamples * 0.975) - 1]];
}

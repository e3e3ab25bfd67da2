// @ts-check
/**
 * The printed report: Markdown tables (pasteable into docs/performance.md as they are) of medians with their ratio to the
 * fastest peer, client and daemon CPU per operation, the D-Bus floor, cold start, and the issue's targets checked.
 */

import { formatCount, formatMs, formatRatio, table } from './markdown.mjs';
import { medianRatioInterval } from './stats.mjs';

/**
 * @typedef {import('./stats.mjs').Figure} Figure
 * @typedef {Record<string, Record<string, Figure>>} FiguresByClient  client id → phase → figure
 * @typedef {{ id: string, label: string, peer: boolean }} Column
 * @typedef {import('./cold-start.mjs').ColdResult} ColdResult
 * @typedef {{
 *   n: number,
 *   clients: Column[],
 *   floors: Column[],
 *   sequential: FiguresByClient,
 *   growth: Record<string, FiguresByClient>,
 *   bulkSize: number,
 *   floor: FiguresByClient,
 *   cold: ColdResult[],
 *   skipped: { label: string, reason: string }[],
 * }} Results
 */

/**
 * The fastest peer's value of `pick` among `columns`, or undefined when no peer has one.
 * @param {Column[]} columns @param {(id: string) => number | undefined} pick
 */
function fastestPeer(columns, pick) {
  let best;
  for (const column of columns) {
    const value = column.peer ? pick(column.id) : undefined;
    if (value !== undefined && Number.isFinite(value) && (best === undefined || value < best.value)) {
      best = { value, label: column.label, id: column.id };
    }
  }
  return best;
}

/**
 * This library against a peer round by round (each round's median against the peer's in the same round, minutes
 * apart at most), when both ran every round: how much of a pooled ratio is the run's noise.
 * @param {import('./stats.mjs').Figure} own @param {import('./stats.mjs').Figure | undefined} peer
 */
function roundByRound(own, peer) {
  const ownRuns = own.runMs ?? [];
  const peerRuns = peer?.runMs ?? [];
  if (ownRuns.length < 2 || ownRuns.length !== peerRuns.length) return '';
  const ratios = ownRuns.map((ms, round) => ms / peerRuns[round]);
  const met = ratios.filter((ratio) => ratio <= 1).length;
  return `; round by round ${ratios.map((ratio) => `${ratio.toFixed(2)}×`).join(', ')}: met in ${met} of ${ratios.length}`;
}

/**
 * One row: each column's value, with its ratio to the fastest peer in the row.
 * @param {string} name @param {Column[]} columns @param {(id: string) => number | undefined} pick
 * @param {(ms: number) => string} [format]
 */
function ratioRow(name, columns, pick, format = (ms) => `${formatMs(ms)} ms`) {
  const best = fastestPeer(columns, pick);
  return [
    name,
    ...columns.map((column) => {
      const value = pick(column.id);
      if (value === undefined) return '—';
      return best ? `${format(value)} (${formatRatio(value / best.value)})` : format(value);
    }),
  ];
}

/** Per-op time of a batch phase (concurrent calls, bulk reads). @param {Figure | undefined} figure */
const perOp = (figure) => (figure ? 1000 / figure.opsPerSecond : undefined);

/** The statistics of a sequential phase the report shows, each a field of Figure. */
const STATISTICS = /** @type {const} */ ([
  ['mean', 'meanMs'],
  ['median', 'ms'],
  ['p90', 'p90Ms'],
  ['p99', 'p99Ms'],
]);

/** The sequential operations, each under the phase names of its two passes (see FIRST_PASS in clients/workload.mjs). */
const OPERATIONS = /** @type {const} */ ([
  ['set', 'set_first'],
  ['get', 'get_first'],
  ['delete', 'delete_first'],
]);

/**
 * One pass of the sequential workload: for each operation its mean, median, p90 and p99, each against the fastest
 * peer's same statistic.
 * @param {Results} results @param {'warm' | 'first'} pass
 */
function sequentialTable(results, pass) {
  const { clients, sequential: s, n } = results;
  const rows = [];
  for (const [warm, first] of OPERATIONS) {
    const phase = pass === 'warm' ? warm : first;
    for (const [name, field] of STATISTICS) {
      rows.push(ratioRow(`${warm}, ${name}`, clients, (id) => s[id]?.[phase]?.[field]));
    }
  }
  if (pass === 'warm') {
    rows.push(ratioRow(`get, ${n} concurrent (per get)`, clients, (id) => perOp(s[id]?.get_concurrent)));
  }
  return table(['operation', ...clients.map((c) => c.label)], rows);
}

/**
 * One row per client, for quoting: each operation's mean / median / p99 in ms, warmed up and in the first pass of a
 * fresh process, and the concurrent gets' time per get.
 * @param {Results} results
 */
function summaryTable(results) {
  const { clients, sequential: s, n } = results;
  /** @param {Figure | undefined} figure */
  const cell = (figure) =>
    figure ? `${formatMs(figure.meanMs)} / ${formatMs(figure.ms)} / ${formatMs(figure.p99Ms)}` : '—';
  const rows = clients.map((client) => {
    const figures = s[client.id] ?? {};
    const concurrent = perOp(figures.get_concurrent);
    return [
      client.label,
      ...OPERATIONS.flatMap(([warm, first]) => [cell(figures[warm]), cell(figures[first])]),
      concurrent === undefined ? '—' : formatMs(concurrent),
    ];
  });
  const header = OPERATIONS.flatMap(([warm]) => [`${warm}, warmed up`, `${warm}, first pass`]);
  return table(['client (ms: mean / median / p99)', ...header, `get, ${n} concurrent (per get)`], rows);
}

/** @param {Results} results */
function cpuTable(results) {
  const { clients, sequential: s, growth, bulkSize, n } = results;
  /** @param {Figure | undefined} figure */
  const cell = (figure) => {
    if (!figure) return '—';
    const daemon = (/** @type {number | null} */ ms) => (ms === null ? '?' : formatMs(ms));
    return `${formatMs(figure.cpuPerOpMs)} / ${daemon(figure.keyringCpuPerOpMs)} / ${daemon(figure.busCpuPerOpMs)}`;
  };
  const bulk = growth[bulkSize] ?? {};
  const rows = [
    ...OPERATIONS.flatMap(([warm, first]) => [
      [`${warm}, warmed up`, ...clients.map((c) => cell(s[c.id]?.[warm]))],
      [`${warm}, first pass`, ...clients.map((c) => cell(s[c.id]?.[first]))],
    ]),
    [`get, ${n} concurrent`, ...clients.map((c) => cell(s[c.id]?.get_concurrent))],
    [`bulk read (per secret)`, ...clients.map((c) => cell(bulk[c.id]?.bulk))],
  ];
  return table(['ms of CPU per op', ...clients.map((c) => c.label)], rows);
}

/** @param {Results} results */
function growthTable(results) {
  const { growth, bulkSize } = results;
  const sizes = Object.keys(growth)
    .map(Number)
    .sort((a, b) => a - b);
  // Only the clients that ran this stage (see `stages` in clients.mjs).
  const clients = results.clients.filter(({ id }) => sizes.some((size) => growth[size][id]));
  const rows = [];
  for (const phase of ['get', 'set']) {
    for (const size of sizes) {
      rows.push(ratioRow(`${phase}, ${formatCount(size)} items`, clients, (id) => growth[size][id]?.[phase]?.ms));
    }
  }
  const bulk = growth[bulkSize];
  if (bulk) {
    rows.push(
      ratioRow(`bulk read of ${formatCount(bulkSize)} secrets (whole read)`, clients, (id) => bulk[id]?.bulk?.ms),
    );
  }
  return table(['default collection holding', ...clients.map((c) => c.label)], rows);
}

/** @param {Results} results */
function floorTable(results) {
  const rows = results.floors.map((column) => {
    const figures = results.floor[column.id] ?? {};
    return [
      column.label,
      figures.roundtrip ? `${formatMs(figures.roundtrip.ms)} ms` : '—',
      figures.roundtrip_concurrent
        ? `${formatMs(/** @type {number} */ (perOp(figures.roundtrip_concurrent)))} ms`
        : '—',
      figures.roundtrip ? `${formatMs(figures.roundtrip.cpuPerOpMs)} ms` : '—',
    ];
  });
  return table(['transport', 'round trip (median)', `${results.n} concurrent (per call)`, 'client CPU per call'], rows);
}

/**
 * A cold start's ratio to `node -e 0`'s, with the 95% bootstrap interval of that ratio when both have their run times
 * (`1.47× (1.41–1.53)`): how far this run's noise alone could move it.
 * @param {ColdResult} cold @param {ColdResult} baseline
 */
function coldRatio(cold, baseline) {
  const ratio = formatRatio(cold.medianMs / baseline.medianMs);
  if (cold === baseline) return ratio;
  const interval = medianRatioInterval(cold.timesMs ?? [], baseline.timesMs ?? []);
  return interval ? `${ratio} (${interval[0].toFixed(2)}–${interval[1].toFixed(2)})` : ratio;
}

/** @param {Results} results */
function coldTable(results) {
  const baseline = results.cold.find((result) => result.id === 'node-e-0');
  const rows = results.cold.map((result) => [
    result.label,
    `${formatMs(result.medianMs)} ms`,
    baseline ? coldRatio(result, baseline) : '—',
    result.cpuMs === null ? '—' : `${formatMs(result.cpuMs)} ms`,
  ]);
  return table(['process', 'wall (median)', '× `node -e 0` (95% interval)', 'CPU (user + sys, mean)'], rows);
}

/**
 * The issue's targets, each checked against this run: [met, description].
 * @param {Results} results
 * @returns {[boolean, string][]}
 */
export function checkTargets(results) {
  const { clients, sequential: s, growth, bulkSize, n } = results;
  const mine = s.this ?? {};
  /** @type {[boolean, string][]} */
  const checks = [];
  for (const [warm, first] of OPERATIONS) {
    /** @type {[string, string, string[]][]} */
    const passes = [
      [warm, 'warmed up', ['median', 'mean', 'p99']],
      [first, 'first pass', ['mean', 'p99']],
    ];
    for (const [phase, pass, statistics] of passes) {
      for (const [name, field] of STATISTICS.filter(([name]) => statistics.includes(name))) {
        const best = fastestPeer(clients, (id) => s[id]?.[phase]?.[field]);
        const own = mine[phase]?.[field];
        if (!best || own === undefined) continue;
        const rounds = field === 'ms' ? roundByRound(mine[phase], s[best.id]?.[phase]) : '';
        // The same gets as pre-encoded bytes in the same process, after these (no client work per get): what the
        // process and the daemons alone give this statistic.
        const raw = phase === 'get' ? mine.get_raw?.[field] : undefined;
        const floor = raw === undefined ? '' : `; the same gets as raw bytes in the same process: ${formatMs(raw)} ms`;
        checks.push([
          own <= best.value,
          `sequential ${warm}, ${pass}, ${name}: ${formatMs(own)} ms vs fastest peer ${best.label} ` +
            `${formatMs(best.value)} ms (${(own / best.value).toFixed(3)}×; target ≤ 1×${rounds}${floor})`,
        ]);
      }
    }
  }
  for (const [phase, pass] of [
    ['get', 'warmed up'],
    ['get_first', 'first pass'],
  ]) {
    const own = mine[phase];
    const theirs = s.libsecret?.[phase];
    if (!own || !theirs) continue;
    checks.push([
      own.cpuPerOpMs <= theirs.cpuPerOpMs,
      `client CPU per get, ${pass}: ${formatMs(own.cpuPerOpMs)} ms vs libsecret ${formatMs(theirs.cpuPerOpMs)} ms ` +
        `(${(own.cpuPerOpMs / theirs.cpuPerOpMs).toFixed(3)}×; target ≤ 1×)`,
    ]);
  }
  const concurrentGets = mine.get_concurrent;
  const ceiling = mine.get_concurrent_raw;
  if (concurrentGets && ceiling) {
    const share = concurrentGets.opsPerSecond / ceiling.opsPerSecond;
    checks.push([
      share >= 0.85,
      `${n} concurrent gets against the daemons' ceiling: ${concurrentGets.opsPerSecond.toFixed(0)} gets/s = ` +
        // One decimal: a share of 84.95% printed as "85%" beside MISSED reads as a contradiction.
        `${(share * 100).toFixed(1)}% of the ${ceiling.opsPerSecond.toFixed(0)}/s of the same gets as pre-encoded ` +
        'bytes (every SearchItems in one write, then one GetSecrets; target ≥ 85%)',
    ]);
  }
  const libsecretGet = s.libsecret?.get;
  if (libsecretGet && mine.get) {
    const raw = mine.get_raw;
    const floor = raw
      ? `; the same gets as raw pre-encoded bytes (SearchItems then GetSecrets, replies only framed: no client work) ` +
        `take ${formatMs(raw.ms)} ms = ${(raw.ms / libsecretGet.ms).toFixed(3)}× libsecret on this daemon`
      : '';
    checks.push([
      mine.get.ms <= 0.8 * libsecretGet.ms,
      `get vs libsecret: ${(mine.get.ms / libsecretGet.ms).toFixed(3)}× (aim ≤ 0.80×)${floor}`,
    ]);
  }
  const bestGet = fastestPeer(clients, (id) => s[id]?.get?.ms);
  if (bestGet && mine.get_concurrent) {
    const peerRate = 1000 / bestGet.value;
    const rate = mine.get_concurrent.opsPerSecond;
    const searches = mine.search_concurrent;
    const raw = mine.get_concurrent_raw;
    const limit =
      (searches
        ? `; gnome-keyring answers ${n} concurrent SearchItems alone, the first half of every client's get, at ` +
          `${searches.opsPerSecond.toFixed(0)}/s = ${(searches.opsPerSecond / peerRate).toFixed(1)}×, spending ` +
          `${formatMs(/** @type {number} */ (searches.keyringCpuPerOpMs))} ms of CPU on each`
        : '') +
      (raw
        ? `; the same ${n} gets as the least the daemons can be asked (every SearchItems in one write, then one ` +
          `GetSecrets of all the items: pre-encoded bytes, no client work) go at ${raw.opsPerSecond.toFixed(0)}/s = ` +
          `${(raw.opsPerSecond / peerRate).toFixed(1)}×`
        : '');
    checks.push([
      rate >= 10 * peerRate,
      `${n} concurrent gets: ${rate.toFixed(0)} gets/s = ${(rate / peerRate).toFixed(1)}× the fastest peer's ` +
        `sequential ${peerRate.toFixed(0)} gets/s (${bestGet.label}; target ≥ 10×)${limit}`,
    ]);
  }
  const atBulkSize = growth[bulkSize] ?? {};
  const bestGrowthGet = fastestPeer(clients, (id) => atBulkSize[id]?.get?.ms);
  const bulk = atBulkSize.this?.bulk;
  if (bestGrowthGet && bulk) {
    const peerRate = 1000 / bestGrowthGet.value;
    checks.push([
      bulk.opsPerSecond >= 10 * peerRate,
      `bulk read of ${formatCount(bulkSize)}: ${bulk.opsPerSecond.toFixed(0)} secrets/s = ` +
        `${(bulk.opsPerSecond / peerRate).toFixed(1)}× the fastest peer's sequential ${peerRate.toFixed(0)} gets/s ` +
        `in the same collection (${bestGrowthGet.label}; target ≥ 10×)`,
    ]);
  }
  const baseline = results.cold.find((result) => result.id === 'node-e-0');
  for (const [id, how] of [
    ['this', 'an ES module program (`import`)'],
    ['this-require', 'a CommonJS program (`require`)'],
  ]) {
    const cold = results.cold.find((result) => result.id === id);
    if (!baseline || !cold) continue;
    const interval = medianRatioInterval(cold.timesMs ?? [], baseline.timesMs ?? []);
    const noise = !interval
      ? ''
      : `; 95% bootstrap interval ${interval[0].toFixed(2)}–${interval[1].toFixed(2)}×` +
        (interval[0] <= 1.5 && interval[1] > 1.5 ? ', which spans the target: this run cannot tell' : '');
    checks.push([
      cold.medianMs <= 1.5 * baseline.medianMs,
      `cold start from ${how}: ${formatMs(cold.medianMs)} ms = ${formatRatio(cold.medianMs / baseline.medianMs)} ` +
        `\`node -e 0\` (${formatMs(baseline.medianMs)} ms; target ≤ 1.50×${noise})`,
    ]);
  }
  // Issue 19's aim: a one-secret program and the CLI ahead of the native @napi-rs/keyring on the same Node.
  const napi = results.cold.find((result) => result.id === 'napi-keyring');
  const floor = results.cold.find((result) => result.id === 'js-floor');
  const floorNote = floor ? `; the JavaScript floor, no library and no encryption: ${formatMs(floor.medianMs)} ms` : '';
  for (const [id, how] of [
    ['this', 'an ES module program (`import`)'],
    ['this-require', 'a CommonJS program (`require`)'],
    ['this-cli', 'the CLI (`secretstorage get`)'],
  ]) {
    const cold = results.cold.find((result) => result.id === id);
    if (!napi || !cold) continue;
    checks.push([
      cold.medianMs <= napi.medianMs,
      `cold start from ${how} against @napi-rs/keyring on Node ${process.versions.node}: ${formatMs(cold.medianMs)} ` +
        `ms vs ${formatMs(napi.medianMs)} ms (${formatRatio(cold.medianMs / napi.medianMs)}; aim ≤ 1×${floorNote})`,
    ]);
  }
  // Issue 19: Node's compile cache, where Node has one, and what it saves the CLI and a program.
  for (const [id, what] of [
    ['this-cli', 'the CLI (`secretstorage get`)'],
    ['this', 'a program that imports the library (with NODE_COMPILE_CACHE set)'],
  ]) {
    const off = results.cold.find((result) => result.id === `${id}-cache-off`);
    const on = results.cold.find((result) => result.id === `${id}-cache-on`);
    if (!off || !on) continue;
    checks.push([
      on.medianMs <= off.medianMs,
      `Node ${process.versions.node}'s compile cache for ${what}: ${formatMs(on.medianMs)} ms with it, ` +
        `${formatMs(off.medianMs)} ms without (${formatRatio(on.medianMs / off.medianMs)}; target: it helps, ≤ 1×)`,
    ]);
  }
  for (const [phase, name] of [
    ['get', 'get'],
    ['get_concurrent', 'concurrent get'],
  ]) {
    const figure = mine[phase];
    if (!figure || figure.keyringCpuPerOpMs === null || figure.busCpuPerOpMs === null) continue;
    const busiest = Math.max(figure.keyringCpuPerOpMs, figure.busCpuPerOpMs);
    checks.push([
      figure.cpuPerOpMs <= busiest,
      `${name}: client CPU ${formatMs(figure.cpuPerOpMs)} ms/op vs gnome-keyring-daemon ` +
        `${formatMs(figure.keyringCpuPerOpMs)} and dbus-daemon ${formatMs(figure.busCpuPerOpMs)} ms/op ` +
        '(target: a daemon, not this library, is the busiest process)',
    ]);
  }
  return checks;
}

/**
 * The whole report, as Markdown.
 * @param {Results} results @param {{ machine: string, command: string, date: string }} about
 */
export function renderReport(results, about) {
  const sections = [
    `# secretstorage benchmark, ${about.date}`,
    `Machine: ${about.machine}  \nCommand: \`${about.command}\``,
    `## Summary: sequential operations, ${results.n} each, on the login collection`,
    'Each client in a fresh process sets, gets and deletes its items once (the first pass: what a short-lived ' +
      'program or a CLI meets), then again (warmed up). Milliseconds per operation: mean / median / p99.',
    summaryTable(results),
    `## Sequential operations, warmed up (the second pass of each process; ms per operation, × the fastest peer's same figure)`,
    sequentialTable(results, 'warm'),
    `## Sequential operations, the first pass of a fresh process (ms per operation, × the fastest peer's same figure)`,
    sequentialTable(results, 'first'),
    '## CPU per operation, in ms: the client process / gnome-keyring-daemon / dbus-daemon',
    cpuTable(results),
  ];
  if (Object.keys(results.growth).length) {
    sections.push(
      '## Growth and bulk read: a generated default collection of N items (median per operation, × the fastest peer)',
      growthTable(results),
    );
  }
  if (Object.keys(results.floor).length) {
    sections.push('## The D-Bus floor: one `Properties.Get` round trip to the same daemon', floorTable(results));
  }
  if (results.cold.length) {
    sections.push(
      `## Cold start: a whole process that connects, opens the encrypted session and reads one secret (${results.cold[0].tool}, ${results.cold[0].runs} runs)`,
      coldTable(results),
    );
  }
  const targets = checkTargets(results);
  if (targets.length) {
    sections.push('## Targets', targets.map(([met, text]) => `- ${met ? 'met' : 'MISSED'}: ${text}`).join('\n'));
  }
  if (results.skipped.length) {
    sections.push('## Skipped', results.skipped.map(({ label, reason }) => `- ${label}: ${reason}`).join('\n'));
  }
  return `${sections.join('\n\n')}\n`;
}

/**
 * @typedef {{ set: number, get: number, delete: number }} FileStageMedians
 * @typedef {{ n: number, ours: FileStageMedians, theirs?: FileStageMedians }} FileStageResults
 */

/**
 * The keyring-file stage (bench/keyring-file-backend.mjs): its table, then a target line per operation, this
 * library's file backend against libsecret's own (median per operation, target ≤ 1×).
 * @param {FileStageResults} figures
 */
export function renderKeyringFileStage({ n, ours, theirs }) {
  const operations = /** @type {const} */ (['set', 'get', 'delete']);
  const rows = operations.map((op) => [op, formatMs(ours[op]), theirs ? formatMs(theirs[op]) : '—']);
  const lines = [
    `keyring file, ${n} passwords, median per operation (ms):`,
    '',
    table(['operation', 'secretstorage (file)', 'libsecret (file, via gi)'], rows),
  ];
  if (theirs) {
    lines.push('', 'Targets:', '');
    for (const op of operations) {
      const ratio = ours[op] / theirs[op];
      lines.push(
        `- ${ratio <= 1 ? 'met' : 'MISSED'}: keyring file of ${n}, ${op}, median: ${formatMs(ours[op])} ms vs ` +
          `libsecret's file backend ${formatMs(theirs[op])} ms (${ratio.toFixed(3)}×; target ≤ 1×)`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

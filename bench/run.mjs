#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench`: this library and the other Secret Service clients side by side, in one run, on one private
 * gnome-keyring. Every client runs in its own process, one after another, on the same daemon; the report (Markdown)
 * goes to stdout and to bench/results/<timestamp>.md, progress to stderr, and every raw figure to
 * bench/results/<timestamp>.json.
 *
 * Stages: sequential set / get / delete on the login collection, twice in each client's process (the first pass of a
 * fresh process, then warmed up) and 300 concurrent gets; the D-Bus floor; cold start;
 * then, for each size, a generated default collection of that many items (get and set as it grows, and the bulk
 * read at --bulk items). Each stage runs --rounds times, the clients in turn within each round. Peers that cannot be
 * loaded are reported as skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { CLIENTS, COLD_STARTS, FLOORS } from './clients.mjs';
import { COLD_ATTRIBUTES, COLD_SECRET } from './clients/workload.mjs';
import { measureColdStarts } from './cold-start.mjs';
import { clockTicks, cpuCounters, describeMachine, machineLine, stolenShare } from './environment.mjs';
import { renderKeyringFileStage, renderReport } from './report.mjs';
import { ClientFailed, runClient } from './run-client.mjs';
import { summarise } from './stats.mjs';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const STAGES = ['sequential', 'floor', 'cold', 'growth', 'file'];
/**
 * Bulk reads per client and round. A bulk read is a whole pass over the collection; this library's takes a fraction of
 * a second, so it gets a median of several. The peers' take seconds each (keyring's: about 20), so they get one in all.
 */
const BULK_REPS = { this: 5 };
/**
 * Untimed reads before the timed ones in each growth stage (see growthReads in clients/workload.mjs): enough that the
 * rows show what the collection's size costs a client, not its first calls (the cold-start stage times those).
 */
const GROWTH_WARM_UP = 100;
const CLIENT_TIMEOUT_MS = 180_000;
/**
 * The keyring-file stage's small file, beside one of `--n` passwords: a personal keyring holds tens of items, and a
 * write's fixed cost (the lock, the reread) weighs most there.
 */
const SMALL_KEYRING_FILE = 30;

const USAGE = `usage: npm run bench -- [options]
  --n <count>             sequential and concurrent operations per client (default 300)
  --growth <sizes>        collection sizes for the growth stage (default 100,1000,10000)
  --growth-gets <count>   gets per client and size (default 100, after 100 untimed)
  --growth-sets <count>   sets per client and size (default 5)
  --bulk <count>          items in the bulk read (default 1000)
  --cold-runs <count>     timed runs per cold-start command and round (default 30)
  --batches <count>       timed batches of each concurrent phase per client and round, after one untimed batch
                          (default 5)
  --rounds <count>        every client runs each stage this many times, in turns, and its figures pool all rounds
                          (default 3): a busy moment on the machine then cannot fall on one client only
  --clients <ids>         only these clients (${CLIENTS.map((c) => c.id).join(',')})
  --stages <names>        only these stages (${STAGES.join(',')})
  --json <path>           where to write the JSON (default bench/results/<timestamp>.json)`;

/** @param {string} text @returns {never} */
function fail(text) {
  process.stderr.write(`bench: ${text}\n`);
  process.exit(2);
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        n: { type: 'string', default: '300' },
        growth: { type: 'string', default: '100,1000,10000' },
        'growth-gets': { type: 'string', default: '100' },
        'growth-sets': { type: 'string', default: '5' },
        bulk: { type: 'string', default: '1000' },
        'cold-runs': { type: 'string', default: '30' },
        rounds: { type: 'string', default: '3' },
        batches: { type: 'string', default: '5' },
        clients: { type: 'string' },
        stages: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${/** @type {Error} */ (error).message}\n${USAGE}`);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  /** @param {string} name @param {string} text */
  const count = (name, text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number ≥ 1, got "${text}"`);
    return value;
  };
  /** @param {string} name @param {string | undefined} text @param {string[]} known */
  const list = (name, text, known) => {
    if (text === undefined) return known;
    const names = text.split(',').filter(Boolean);
    const unknown = names.filter((item) => !known.includes(item));
    if (unknown.length) fail(`--${name}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return names;
  };
  return {
    n: count('n', parsed.n),
    growth: parsed.growth
      .split(',')
      .filter(Boolean)
      .map((size) => count('growth', size)),
    growthGets: count('growth-gets', parsed['growth-gets']),
    growthSets: count('growth-sets', parsed['growth-sets']),
    bulk: count('bulk', parsed.bulk),
    coldRuns: count('cold-runs', parsed['cold-runs']),
    rounds: count('rounds', parsed.rounds),
    batches: count('batches', parsed.batches),
    clients: list(
      'clients',
      parsed.clients,
      CLIENTS.map((c) => c.id),
    ),
    stages: list('stages', parsed.stages, STAGES),
    json: parsed.json,
  };
}

/** @param {string} text */
const progress = (text) => process.stderr.write(`${text}\n`);

/** Whether a client runs `stage` (see `stages` in clients.mjs). @param {string} stage */
const runs = (stage) => (/** @type {import('./clients.mjs').Client} */ client) =>
  !client.stages || client.stages.includes(stage);

/**
 * Groups a client's lines by phase and summarises each.
 * @param {import('./run-client.mjs').ClientLine[]} lines
 */
function figuresOf(lines) {
  /** @type {Record<string, import('./run-client.mjs').ClientLine[]>} */
  const byPhase = {};
  for (const line of lines) (byPhase[line.phase] ??= []).push(line);
  /** @type {Record<string, import('./stats.mjs').Figure>} */
  const figures = {};
  for (const [phase, phaseLines] of Object.entries(byPhase)) {
    const figure = summarise(phaseLines);
    if (figure) figures[phase] = figure;
  }
  return figures;
}

async function main() {
  const options = parseOptions();
  if (!existsSync(join(projectRoot, 'dist/esm/index.js'))) fail('dist/ is missing: run `npm run build` first.');
  const { dbusInit, getDefaultCollection } = await import('../dist/esm/index.js');
  const { loadGeneratedCollection } = await import('./generated-collection.mjs');
  const { removeLeftoverItems } = await import('./leftover-items.mjs');
  const { startHeadlessKeyring } = await import('../dist/esm/testing/index.js');

  const machine = describeMachine();
  const loadAtStart = loadavg()[0];
  const cpuAtStart = cpuCounters();
  const ticks = clockTicks();
  const dataDir = await mkdtemp(join(tmpdir(), 'secretstorage-bench-'));
  /** @type {ReturnType<typeof startHeadlessKeyring> | undefined} */
  let starting;
  // Stopped part of the way (Ctrl-C, a test's timeout), even while the keyring starts: the keyring and its data
  // directory go too. (Its watchdog would end the daemons anyway; the directory, given as dataDir, is ours to remove.)
  const stopEarly = (/** @type {NodeJS.Signals} */ signal) => {
    progress(`${signal}: stopping the private keyring and removing ${dataDir} …`);
    void Promise.resolve(starting)
      .then((started) => started?.stop())
      .catch(() => undefined)
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(128 + (osConstants.signals[signal] ?? 0)));
  };
  const stopSignals = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
  for (const signal of stopSignals) process.once(signal, stopEarly);
  progress(`Starting a private dbus-daemon and gnome-keyring-daemon (${dataDir}) …`);
  starting = startHeadlessKeyring({ dataDir });
  const keyring = await starting;
  /** Environment of every client: the private bus only, so that nothing touches the user's own keyring. */
  const clientEnv = () => ({
    ...process.env,
    DBUS_SESSION_BUS_ADDRESS: keyring.address,
    BENCH_KEYRING_PID: String(keyring.processes.keyring.pid),
    BENCH_BUS_PID: String(keyring.processes.bus.pid),
    BENCH_CLK_TCK: String(ticks),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.SecretService.Keyring',
  });

  /** @type {import('./report.mjs').Results} */
  const results = {
    n: options.n,
    clients: [],
    floors: [],
    sequential: {},
    growth: {},
    bulkSize: options.bulk,
    floor: {},
    cold: [],
    skipped: [],
  };
  /** @type {Record<string, string>} */
  const versions = {};
  /** @type {Record<string, unknown>} */
  const raw = {};

  /**
   * Starts gnome-keyring afresh in the current stage's starting state, before every client's run (so also after the
   * daemon died under the run before). A fresh daemon for each run, because gnome-keyring 42 grows with the clients
   * that have come and gone and gets slower as it does: in a loop of 300 sets and deletes (stop 16's measurement), its
   * RSS went from 12 to 27 MB and its CPU per set up by about a quarter after three runs of @napi-rs/keyring's
   * sequential workload, which opens a connection and an encrypted session per operation. On one long-lived daemon, a
   * client that happens to run after more of those pays for them.
   */
  const freshDaemon = () => keyring.restartKeyring();
  let startStage = freshDaemon;

  /**
   * Runs a client, or records why it could not run (the benchmark goes on without it). If gnome-keyring-daemon died
   * meanwhile, that is reported too (the next run starts a fresh one anyway). Each line is stamped with the pid of the
   * daemon it ran against.
   * @param {{ id: string, label: string, command: (stage: string, options: object) => string[] }} client
   * @param {string} stage @param {object} stageOptions
   */
  async function run(client, stage, stageOptions) {
    const started = performance.now();
    const daemon = keyring.processes.keyring;
    /** @type {import('./run-client.mjs').ClientLine[] | undefined} */
    let lines;
    try {
      lines = await runClient(client.command(stage, stageOptions), clientEnv(), CLIENT_TIMEOUT_MS);
      progress(`  ${client.label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      if (!(error instanceof ClientFailed)) throw error;
      const done = [...new Set(error.lines.map((line) => line.phase))];
      const kept = done.length ? `; its ${done.join(', ')} figures are kept` : '';
      results.skipped.push({ label: `${client.label} (${stage})`, reason: `${error.message}${kept}` });
      progress(`  ${client.label}: failed, ${error.message}`);
      lines = error.lines.length ? error.lines : undefined;
    }
    if (daemon.exitCode !== null || daemon.signalCode !== null) {
      const how = daemon.signalCode ?? `with code ${daemon.exitCode}`;
      results.skipped.push({
        label: `gnome-keyring-daemon (${stage})`,
        reason: `exited ${how} while ${client.label} ran; started afresh for the next client`,
      });
      progress(`  gnome-keyring-daemon exited ${how}`);
    }
    return lines?.map((line) => ({ ...line, keyring_pid: daemon.pid }));
  }

  /** @param {typeof CLIENTS} clients */
  async function probe(clients) {
    const available = [];
    for (const client of clients) {
      try {
        const [line] = await runClient(client.command('probe', {}), clientEnv(), 60_000);
        versions[client.id] = line?.version ?? '?';
        available.push(client);
      } catch (error) {
        if (!(error instanceof ClientFailed)) throw error;
        results.skipped.push({ label: client.label, reason: `not available (${error.message})` });
      }
    }
    return available;
  }

  /**
   * Runs `clients` through `stage` in `options.rounds` rounds, each client once per round in turn (each round starting
   * with the next client), and returns every client's lines of all rounds. A client that failed is not run again in
   * later rounds. Every run starts on a fresh daemon in the stage's starting state (startStage), so no run needs an
   * untimed one before it to take gnome-keyring's slower first calls for it: each pays for its own alike.
   * @param {typeof CLIENTS} clients @param {string} stage
   * @param {(client: (typeof CLIENTS)[number], round: number) => object} stageOptions
   */
  async function inRounds(clients, stage, stageOptions) {
    /** @type {Record<string, import('./run-client.mjs').ClientLine[]>} */
    const lines = {};
    const failed = new Set();
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) progress(` round ${round} of ${options.rounds}`);
      // Each round starts with another client, so that none always runs first (right after the previous stage).
      const order = clients.map((_, i) => clients[(i + round - 1) % clients.length]);
      for (const client of order) {
        if (failed.has(client.id)) continue;
        await startStage();
        const skippedBefore = results.skipped.length;
        const got = await run(client, stage, stageOptions(client, round));
        if (results.skipped.length > skippedBefore) failed.add(client.id);
        if (got) (lines[client.id] ??= []).push(...got);
      }
    }
    return lines;
  }

  try {
    progress('Checking which clients are installed …');
    const clients = await probe(CLIENTS.filter((client) => options.clients.includes(client.id)));
    results.clients = clients.map(({ id, label, peer }) => ({ id, label, peer }));
    progress(`  running: ${clients.map((c) => c.label).join(', ')}`);

    if (options.stages.includes('sequential')) {
      progress(`Sequential set / get / ${options.n} concurrent gets / delete, ${options.n} each:`);
      const batches = (/** @type {import('./clients.mjs').Client} */ client) =>
        Math.min(options.batches, client.concurrentBatches ?? options.batches);
      // The login collection as the stage began (empty): without the items of a client that did not finish, which
      // would make every later set and delete rewrite a bigger keyring file.
      startStage = async () => {
        await keyring.restartKeyring();
        const removed = await removeLeftoverItems(
          keyring.address,
          CLIENTS.map((client) => client.id),
        );
        if (!removed) return;
        progress(`  removed ${removed} items left by a client that did not finish`);
        results.skipped.push({
          label: 'leftover items (sequential)',
          reason: `${removed} items a client left when it failed were removed before the next client ran`,
        });
      };
      const lines = await inRounds(clients.filter(runs('sequential')), 'sequential', (client) => ({
        n: options.n,
        batches: batches(client),
      }));
      for (const [id, clientLines] of Object.entries(lines)) {
        results.sequential[id] = figuresOf(clientLines);
        raw[`sequential/${id}`] = clientLines;
      }
    }

    if (options.stages.includes('floor')) {
      progress('The D-Bus floor (Properties.Get round trips):');
      const floors = await probe(FLOORS);
      startStage = freshDaemon;
      results.floors = floors.map(({ id, label, peer }) => ({ id, label, peer }));
      const lines = await inRounds(floors, 'floor', () => ({ n: options.n, batches: options.batches }));
      for (const [id, floorLines] of Object.entries(lines)) {
        results.floor[id] = figuresOf(floorLines);
        raw[`floor/${id}`] = floorLines;
      }
    }

    if (options.stages.includes('cold')) {
      progress('Cold start:');
      await freshDaemon();
      const conn = await dbusInit({ address: keyring.address });
      try {
        await getDefaultCollection(conn).createItem('bench cold start', COLD_ATTRIBUTES, COLD_SECRET, {
          replace: true,
        });
      } finally {
        await conn.close();
      }
      const available = new Set(['secret-tool', ...clients.map((c) => c.id)]);
      const commands = COLD_STARTS.filter((cold) => cold.baseline || available.has(cold.client ?? cold.id));
      const cold = await measureColdStarts(commands, clientEnv(), {
        runs: options.coldRuns,
        warmup: 3,
        rounds: options.rounds,
      });
      results.cold = cold.results;
      for (const { label, reason } of cold.failed) results.skipped.push({ label: `${label} (cold start)`, reason });
    }

    if (options.stages.includes('growth')) {
      const sizes = [...new Set([...options.growth, options.bulk])].sort((a, b) => a - b);
      for (const size of sizes) {
        progress(`A default collection of ${size} items (get, set${size === options.bulk ? ', bulk read' : ''}):`);
        startStage = () => loadGeneratedCollection(keyring, dataDir, size);
        results.growth[size] = {};
        const lines = await inRounds(clients.filter(runs('growth')), 'growth', (client, round) => ({
          size,
          gets: options.growthGets,
          sets: options.growthSets,
          warmUp: Math.min(GROWTH_WARM_UP, size),
          // A peer's whole read of the collection takes seconds (Python keyring's, about 20): once, in the first
          // round.
          bulkReps:
            size !== options.bulk
              ? 0
              : (BULK_REPS[/** @type {keyof typeof BULK_REPS} */ (client.id)] ?? (round === 1 ? 1 : 0)),
        }));
        for (const [id, clientLines] of Object.entries(lines)) {
          results.growth[size][id] = figuresOf(clientLines);
          raw[`growth-${size}/${id}`] = clientLines;
        }
      }
    }
  } finally {
    await keyring.stop();
    await rm(dataDir, { recursive: true, force: true });
    for (const signal of stopSignals) process.off(signal, stopEarly);
  }

  const date = new Date();
  const stolen = stolenShare(cpuAtStart, cpuCounters());
  const load = { start: loadAtStart, end: loadavg()[0], stolen };
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const about =
    `${machineLine(machine)}; load average ${load.start.toFixed(1)} at start, ${load.end.toFixed(1)} at end` +
    (stolen === null ? '' : `; CPU time stolen by the hypervisor during the run: ${(stolen * 100).toFixed(0)}%`);
  let report = renderReport(results, { machine: about, command, date: date.toISOString() });
  /** @type {import('./report.mjs').FileStageResults[] | undefined} */
  let keyringFile;
  if (options.stages.includes('file')) {
    const stage = await keyringFileStage([SMALL_KEYRING_FILE, options.n]);
    keyringFile = stage.figures;
    report += `\n${stage.markdown}`;
  }
  process.stdout.write(report);
  const jsonPath =
    options.json ?? join(projectRoot, 'bench', 'results', `${date.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(jsonPath, '..'), { recursive: true });
  await writeFile(
    jsonPath,
    `${JSON.stringify({ date: date.toISOString(), command, machine, load, versions, options, results, keyringFile, raw }, null, 1)}\n`,
  );
  // The report beside it, for quoting (its summary table gives every client's mean / median / p99 per operation).
  const reportPath = jsonPath.replace(/(\.json)?$/, '.md');
  await writeFile(reportPath, report);
  progress(`Raw figures: ${jsonPath}\nReport: ${reportPath}`);
}

await main();

/**
 * The keyring-file backend beside libsecret's (bench/keyring-file-backend.mjs, in a process of its own for each size):
 * no daemon, so it runs after the Secret Service stages, on throwaway files; its tables and target lines follow theirs.
 * @param {number[]} sizes how many passwords, one file each
 * @returns {Promise<{ markdown: string, figures?: import('./report.mjs').FileStageResults[] }>}
 */
async function keyringFileStage(sizes) {
  progress('Keyring file backend (this library and libsecret, no daemon):');
  const script = join(projectRoot, 'bench', 'keyring-file-backend.mjs');
  try {
    const figures = [];
    for (const n of sizes) {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [script, String(n), '--json'], {
        timeout: CLIENT_TIMEOUT_MS,
      });
      if (stderr.trim()) progress(`  ${stderr.trim()}`);
      figures.push(JSON.parse(stdout));
    }
    return {
      markdown: `## Keyring file backend\n\n${figures.map((stage) => renderKeyringFileStage(stage)).join('\n')}`,
      figures,
    };
  } catch (error) {
    const reason = /** @type {Error} */ (error).message.split('\n')[0];
    progress(`  failed: ${reason}`);
    return { markdown: `## Keyring file backend\n\nfailed: ${reason}\n` };
  }
}

// @ts-check
/**
 * Cold start: whole processes timed from outside. Uses hyperfine when it is installed (warm-up runs, then `runs`
 * timed runs; it also reports user and system CPU), else spawns each command `runs` times itself and reports wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorLine } from './run-client.mjs';
import { median } from './stats.mjs';

/**
 * @typedef {{ id: string, label: string, command: string[] }} ColdCommand
 * @typedef {{ id: string, label: string, medianMs: number, cpuMs: number | null, runs: number, tool: string,
 *   timesMs: number[] }} ColdResult
 */

export function hasHyperfine() {
  return spawnSync('hyperfine', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** hyperfine --shell=none splits commands on spaces; none of ours has a space inside an argument. @param {string[]} command */
function commandLine(command) {
  for (const part of command) {
    if (/\s/.test(part)) throw new Error(`cold-start command argument "${part}" contains a space`);
  }
  return command.join(' ');
}

/** Timed runs of each command in a row before the next command's turn (hyperfine times one command at a time). */
const BLOCK_RUNS = 3;

/**
 * Times each command `runs` times in each of `rounds` rounds, and pools the rounds. Within a round the commands take
 * turns every BLOCK_RUNS runs, so that a busy moment on the machine (on a shared VM they last seconds) falls on all of
 * them alike instead of on whichever command's 30 runs it hit; only the first turn has `warmup` untimed runs. A command
 * that fails when run once first (a missing program, a peer that cannot read the secret) is left out and reported in
 * `failed`.
 * @param {ColdCommand[]} commands @param {Record<string, string | undefined>} env
 * @param {{ runs: number, warmup: number, rounds?: number }} options
 * @returns {Promise<{ results: ColdResult[], failed: { label: string, reason: string }[] }>}
 */
export async function measureColdStarts(commands, env, { runs, warmup, rounds = 1 }) {
  const working = [];
  const failed = [];
  for (const cold of commands) {
    const check = spawnSync(cold.command[0], cold.command.slice(1), { env, encoding: 'utf8' });
    if (check.status === 0) working.push(cold);
    else
      failed.push({
        label: cold.label,
        reason: errorLine(check.stderr ?? '') || check.error?.message || `exit ${check.status}`,
      });
  }
  if (working.length === 0) return { results: [], failed };
  const hyperfine = hasHyperfine();
  /** @type {ColdResult[][]} */
  const perBlock = [];
  /** @type {number[]} */
  const blocks = [];
  for (let left = runs; left > 0; left -= BLOCK_RUNS) blocks.push(Math.min(BLOCK_RUNS, left));
  for (let round = 0; round < rounds; round++) {
    for (const blockRuns of blocks) {
      const blockWarmup = perBlock.length === 0 ? warmup : 0;
      perBlock.push(
        hyperfine
          ? await withHyperfine(working, env, blockRuns, blockWarmup)
          : withSpawn(working, env, blockRuns, blockWarmup),
      );
    }
  }
  return { results: pool(perBlock), failed };
}

/** One result per command from several blocks: the median of all their runs, the mean CPU per run. @param {ColdResult[][]} perBlock */
function pool(perBlock) {
  return perBlock[0].map((first, index) => {
    const blocks = perBlock.map((results) => results[index]);
    const timesMs = blocks.flatMap((result) => result.timesMs);
    return {
      ...first,
      medianMs: median(timesMs),
      cpuMs: blocks.every((result) => result.cpuMs !== null)
        ? blocks.reduce((sum, result) => sum + (result.cpuMs ?? 0) * result.runs, 0) / timesMs.length
        : null,
      runs: timesMs.length,
      timesMs,
    };
  });
}

/** @param {ColdCommand[]} commands @param {Record<string, string | undefined>} env @param {number} runs @param {number} warmup */
async function withHyperfine(commands, env, runs, warmup) {
  const directory = await mkdtemp(join(tmpdir(), 'secretstorage-bench-'));
  try {
    const exportPath = join(directory, 'hyperfine.json');
    const args = [
      '--shell=none',
      '--style=none',
      `--warmup=${warmup}`,
      `--runs=${runs}`,
      `--export-json=${exportPath}`,
    ];
    for (const { label, command } of commands) args.push('--command-name', label, commandLine(command));
    const run = spawnSync('hyperfine', args, { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`hyperfine failed: ${run.stderr.trim()}`);
    /** @type {{ results: { command: string, median: number, user: number, system: number, times: number[] }[] }} */
    const report = JSON.parse(await readFile(exportPath, 'utf8'));
    return commands.map(({ id, label }, index) => {
      const result = report.results[index];
      return {
        id,
        label,
        medianMs: result.median * 1000,
        cpuMs: (result.user + result.system) * 1000,
        runs: result.times.length,
        tool: 'hyperfine',
        timesMs: result.times.map((seconds) => seconds * 1000),
      };
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** @param {ColdCommand[]} commands @param {Record<string, string | undefined>} env @param {number} runs @param {number} warmup */
function withSpawn(commands, env, runs, warmup) {
  /** @type {Map<string, number[]>} */
  const times = new Map(commands.map(({ id }) => [id, []]));
  // Interleaved, so that a busy moment on the machine does not fall on one command only.
  for (let round = 0; round < warmup + runs; round++) {
    for (const { id, command } of commands) {
      const start = process.hrtime.bigint();
      spawnSync(command[0], command.slice(1), { env, stdio: 'ignore' });
      if (round >= warmup) times.get(id)?.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return commands.map(({ id, label }) => ({
    id,
    label,
    medianMs: median(times.get(id) ?? []),
    cpuMs: null,
    runs,
    tool: 'spawnSync',
    timesMs: times.get(id) ?? [],
  }));
}

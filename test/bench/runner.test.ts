// `npm run bench` end to end at toy sizes (no timing is asserted: only that every stage runs and reports), and the
// pieces of its report that decide what a reader concludes: ratios, targets, the reason a peer was skipped.
import module from 'node:module';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killWhenTestEnds } from '../helpers/processes.js';
// @ts-expect-error: checked JavaScript modules of the benchmark, without declarations
import { checkTargets, renderKeyringFileStage, renderReport } from '../../bench/report.mjs';
// @ts-expect-error: as above
import { formatMs } from '../../bench/markdown.mjs';
// @ts-expect-error: as above
import { errorLine } from '../../bench/run-client.mjs';
// @ts-expect-error: as above
import { mean, median, medianRatioInterval, quantile, summarise } from '../../bench/stats.mjs';
// @ts-expect-error: as above
import { measureColdStarts } from '../../bench/cold-start.mjs';

const runner = join(__dirname, '..', '..', 'bench', 'run.mjs');

function bench(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [runner, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

describe('bench/run.mjs', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'secretstorage-bench-test-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  // The run starts a fresh gnome-keyring for every client run: on a busy 2-core machine that alone can take 30 s.
  it(
    'runs every stage for this library and libsecret on one private keyring and writes the JSON',
    {
      timeout: 120_000,
    },
    async () => {
      const json = join(directory, 'run.json');
      const run = bench(
        [
          '--n',
          '3',
          '--growth',
          '4',
          '--bulk',
          '4',
          '--growth-gets',
          '2',
          '--growth-sets',
          '1',
          '--cold-runs',
          '1',
          '--rounds',
          '2',
          '--batches',
          '2',
        ].concat(['--clients', 'this,this-baseline,libsecret', '--json', json]),
      );
      expect(run.stderr).not.toMatch(/failed/);
      // Each round starts with another client.
      const sequentialProgress = run.stderr.slice(run.stderr.indexOf('Sequential'), run.stderr.indexOf('D-Bus floor'));
      expect(sequentialProgress).toMatch(
        /\n round 1 of 2\n {2}secretstorage \(this\):[^\n]*\n {2}libsecret[^\n]*\n {2}secretstorage \(this\), node --max-opt=1[^\n]*\n round 2 of 2\n {2}libsecret[^\n]*\n {2}secretstorage \(this\), node --max-opt=1[^\n]*\n {2}secretstorage \(this\):/,
      );
      expect(run.status).toBe(0);
      for (const heading of [
        'Sequential operations',
        'CPU per operation',
        'Growth and bulk read',
        'D-Bus floor',
        'Cold start',
        'Targets',
        'Keyring file backend',
      ]) {
        expect(run.stdout).toContain(heading);
      }
      for (const statistic of ['mean', 'median', 'p90', 'p99']) {
        expect(run.stdout).toMatch(
          new RegExp(`\\| get, ${statistic} \\| [\\d.]+ ms \\([\\d.]+×\\) \\| [\\d.]+ ms \\(1\\.00×\\) \\|`),
        );
      }
      // The summary for quoting: every client's mean / median / p99, warmed up and in the first pass.
      expect(run.stdout).toMatch(/\| libsecret \(C, via gi\)( \| [\d.]+ \/ [\d.]+ \/ [\d.]+){6} \| [\d.]+ \|/);
      // The same report is written beside the JSON.
      expect(await readFile(json.replace(/\.json$/, '.md'), 'utf8')).toBe(run.stdout);
      const written = JSON.parse(await readFile(json, 'utf8'));
      const { sequential, growth, floor, cold } = written.results;
      expect(Object.keys(sequential.this).sort()).toEqual([
        'delete',
        'delete_first',
        'get',
        'get_concurrent',
        'get_concurrent_raw',
        'get_first',
        'get_raw',
        'search_concurrent',
        'set',
        'set_first',
      ]);
      // The same client held to V8's baseline tiers runs the sequential stage only, and is left out of the growth table.
      expect(Object.keys(sequential['this-baseline']).sort()).toEqual(Object.keys(sequential.this).sort());
      expect(growth['4']['this-baseline']).toBeUndefined();
      expect(run.stdout).toMatch(
        /\| secretstorage \(this\), node --max-opt=1( \| [\d.]+ \/ [\d.]+ \/ [\d.]+){6} \| [\d.]+ \|/,
      );
      const growthHeader = run.stdout.split('\n').find((line) => line.startsWith('| default collection holding'));
      expect(growthHeader).not.toContain('max-opt');
      expect(Object.keys(sequential.libsecret).sort()).toEqual([
        'delete',
        'delete_first',
        'get',
        'get_concurrent',
        'get_first',
        'set',
        'set_first',
      ]);
      for (const client of ['this', 'libsecret']) {
        // Two rounds of three gets each, pooled; as many in the first pass of each round's fresh process.
        expect(sequential[client].get.n).toBe(6);
        expect(sequential[client].get.runs).toBe(2);
        expect(sequential[client].get_first.n).toBe(6);
        // Two timed batches of three concurrent gets in each round (after an untimed one).
        expect(sequential[client].get_concurrent.runs).toBe(4);
        expect(sequential[client].get_concurrent.n).toBe(12);
        expect(Object.keys(growth['4'][client]).sort()).toEqual(['bulk', 'get', 'set']);
      }
      expect(sequential.this.get_concurrent_raw.runs).toBe(4);
      // Every client's run (three clients, two rounds) met a gnome-keyring started for it, as did every floor run.
      const daemons = (stage: string) =>
        Object.entries(written.raw as Record<string, { keyring_pid: number }[]>)
          .filter(([key]) => key.startsWith(`${stage}/`))
          .map(([, lines]) => [...new Set(lines.map((line) => line.keyring_pid))]);
      expect(daemons('sequential').flat()).toHaveLength(6);
      expect(new Set(daemons('sequential').flat()).size).toBe(6);
      expect(new Set(daemons('floor').flat()).size).toBe(6);
      expect(Object.keys(floor).sort()).toEqual(['dbus-next', 'jeepney', 'this']);
      expect(floor.this.roundtrip_concurrent.runs).toBe(4);
      // With the compile-cache rows where this Node has a compile cache (22.1 and later).
      const cacheRows =
        typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function'
          ? ['this-cli-cache-off', 'this-cli-cache-on', 'this-cache-off', 'this-cache-on']
          : [];
      const coldIds = [
        'node-e-0',
        'empty-esm',
        'js-floor',
        'this',
        'this-require',
        'this-cli',
        'secret-tool',
        ...cacheRows,
      ];
      expect(cold.map((result: { id: string }) => result.id)).toEqual(coldIds);
      expect(cold.map((result: { runs: number }) => result.runs)).toEqual(coldIds.map(() => 2));
      expect(written.machine.gnomeKeyring).toMatch(/^\d+\.\d+/);
      expect(written.versions.this).toBe(
        JSON.parse(await readFile(join(__dirname, '..', '..', 'package.json'), 'utf8')).version,
      );
    },
  );

  it('reports a peer that cannot start as skipped, with the reason, and still measures the rest', () => {
    const run = bench(
      [
        '--n',
        '2',
        '--stages',
        'sequential',
        '--clients',
        'this,python-keyring',
        '--json',
        join(directory, 'skip.json'),
      ],
      {
        BENCH_PYTHON: join(directory, 'no-such-python'),
      },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/## Skipped\n\n- keyring \(Python\): not available \(.*no-such-python.*ENOENT/);
    expect(run.stdout).toMatch(/\| set, median \| [\d.]+ ms \|/);
  });

  it('stopped part of the way (SIGTERM), it stops its keyring and removes its data directory', async () => {
    const child = killWhenTestEnds(
      spawn(process.execPath, [runner, '--n', '3', '--clients', 'this', '--stages', 'sequential'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let stderr = '';
    const started = new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const directory = /Starting a private dbus-daemon and gnome-keyring-daemon \((\S+)\)/.exec(stderr)?.[1];
        if (directory) resolve(directory);
      });
      child.once('exit', () => reject(new Error(`bench exited before starting its keyring: ${stderr}`)));
    });
    const directory = await started;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(128 + 15);
    expect(existsSync(directory)).toBe(false);
  });

  it('refuses unknown options and clients with the usage', () => {
    const run = bench(['--clients', 'this,nope']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--clients: unknown nope');
    expect(bench(['--n', '0']).stderr).toContain('--n must be a whole number ≥ 1');
  });
});

describe('cold start', () => {
  it('times the commands that work and reports the ones that do not, with their error', async () => {
    const { results, failed } = await measureColdStarts(
      [
        { id: 'ok', label: 'works', command: [process.execPath, '-e', '0'] },
        { id: 'broken', label: 'broken', command: [process.execPath, '-e', 'throw new TypeError("no secret")'] },
        { id: 'missing', label: 'missing', command: ['/nonexistent/secret-tool'] },
      ],
      process.env,
      { runs: 2, warmup: 0 },
    );
    expect(results.map((result: { id: string }) => result.id)).toEqual(['ok']);
    expect(results[0].runs).toBe(2);
    expect(failed).toEqual([
      { label: 'broken', reason: 'TypeError: no secret' },
      { label: 'missing', reason: expect.stringContaining('ENOENT') },
    ]);
  });
});

describe('the report', () => {
  const figure = (ms: number, extra = {}) => ({
    ms,
    meanMs: ms,
    p90Ms: ms,
    p99Ms: ms,
    maxMs: ms,
    cpuPerOpMs: ms / 2,
    keyringCpuPerOpMs: ms,
    busCpuPerOpMs: ms / 4,
    opsPerSecond: 1000 / ms,
    n: 300,
    runs: 1,
    ...extra,
  });
  const clients = [
    { id: 'this', label: 'secretstorage (this)', peer: false },
    { id: 'libsecret', label: 'libsecret', peer: true },
    { id: 'slow', label: 'slow peer', peer: true },
  ];
  const results = {
    n: 300,
    clients,
    floors: [],
    sequential: {
      this: {
        set: figure(7),
        get: figure(1, { p99Ms: 4 }),
        delete: figure(6),
        set_first: figure(8),
        get_first: figure(1.2, { p99Ms: 5 }),
        delete_first: figure(6),
        get_concurrent: figure(30, { opsPerSecond: 10_000 }),
        get_concurrent_raw: figure(27, { opsPerSecond: 11_000 }),
        search_concurrent: figure(20, { opsPerSecond: 15_000 }),
        get_raw: figure(0.9),
      },
      libsecret: {
        set: figure(7.3),
        get: figure(1.3, { p99Ms: 2 }),
        delete: figure(5),
        set_first: figure(7.5),
        get_first: figure(1.4, { p99Ms: 3 }),
        delete_first: figure(5.5),
      },
      slow: { set: figure(20), get: figure(9), delete: figure(12) },
    },
    growth: {
      1000: { this: { get: figure(2), bulk: figure(50, { opsPerSecond: 20_000 }) }, libsecret: { get: figure(2.5) } },
    },
    bulkSize: 1000,
    floor: {},
    cold: [
      { id: 'node-e-0', label: 'node -e 0', medianMs: 40, cpuMs: 35, runs: 20, tool: 'hyperfine' },
      { id: 'this', label: 'this', medianMs: 70, cpuMs: 60, runs: 20, tool: 'hyperfine' },
      { id: 'this-require', label: 'this, require', medianMs: 55, cpuMs: 50, runs: 20, tool: 'hyperfine' },
    ],
    skipped: [{ label: 'keytar', reason: 'not available (Cannot find module)' }],
  };

  it('gives each figure as a ratio to the fastest peer of its row', () => {
    const report = renderReport(results, { machine: 'test machine', command: 'npm run bench', date: 'today' });
    expect(report).toContain('| get, median | 1.00 ms (0.77×) | 1.30 ms (1.00×) | 9.00 ms (6.92×) |');
    expect(report).toContain('| delete, median | 6.00 ms (1.20×) | 5.00 ms (1.00×) | 12.0 ms (2.40×) |');
    // Each statistic against the fastest peer's same statistic: the p99 against the p99.
    expect(report).toContain('| get, p99 | 4.00 ms (2.00×) | 2.00 ms (1.00×) | 9.00 ms (4.50×) |');
    // The first pass of a fresh process has its own table; a peer without one shows a dash.
    const firstPass = report.slice(report.indexOf('the first pass of a fresh process ('));
    expect(firstPass).toContain('| get, p99 | 5.00 ms (1.67×) | 3.00 ms (1.00×) | — |');
    // The summary for quoting: mean / median / p99 per operation, warmed up then first pass, and concurrent per get.
    expect(report).toContain(
      '| secretstorage (this) | 7.00 / 7.00 / 7.00 | 8.00 / 8.00 / 8.00 | 1.00 / 1.00 / 4.00 | 1.20 / 1.20 / 5.00 |' +
        ' 6.00 / 6.00 / 6.00 | 6.00 / 6.00 / 6.00 | 0.100 |',
    );
    expect(report).toContain('| slow peer | 20.0 / 20.0 / 20.0 | — | 9.00 / 9.00 / 9.00 | — |');
    expect(report).toContain('- keytar: not available (Cannot find module)');
  });

  it('checks the targets against the fastest peer, libsecret, node -e 0 and the daemons', () => {
    const targets = Object.fromEntries(
      checkTargets(results).map(([met, text]: [boolean, string]) => [text.split(':')[0], met]),
    );
    expect(targets).toEqual({
      'sequential set, warmed up, mean': true,
      'sequential set, warmed up, median': true,
      'sequential set, warmed up, p99': true,
      'sequential set, first pass, mean': false, // 8 against 7.5
      'sequential set, first pass, p99': false,
      'sequential get, warmed up, mean': true,
      'sequential get, warmed up, median': true,
      'sequential get, warmed up, p99': false, // 4 against 2
      'sequential get, first pass, mean': true,
      'sequential get, first pass, p99': false, // 5 against 3
      'sequential delete, warmed up, mean': false,
      'sequential delete, warmed up, median': false,
      'sequential delete, warmed up, p99': false,
      'sequential delete, first pass, mean': false,
      'sequential delete, first pass, p99': false,
      'client CPU per get, warmed up': true, // 0.5 against 0.65
      'client CPU per get, first pass': true,
      "300 concurrent gets against the daemons' ceiling": true, // 10,000/s against 11,000/s: 91%
      'get vs libsecret': true,
      '300 concurrent gets': true, // 10,000/s against libsecret's 769/s
      'bulk read of 1,000': true, // 20,000/s against 400/s
      'cold start from an ES module program (`import`)': false, // 1.75×
      'cold start from a CommonJS program (`require`)': true, // 1.375×
      get: true, // client CPU is half gnome-keyring's
      'concurrent get': true,
    });
    // Round by round, when this library and the fastest peer both ran every round.
    const rounds = {
      ...results,
      sequential: {
        ...results.sequential,
        this: { ...results.sequential.this, set: figure(7, { runMs: [6, 8, 7] }) },
        libsecret: { ...results.sequential.libsecret, set: figure(7.3, { runMs: [7.5, 7.2, 7.3] }) },
      },
    };
    const set = checkTargets(rounds).find(([, text]: [boolean, string]) =>
      text.startsWith('sequential set, warmed up, median'),
    );
    expect(set[1]).toMatch(/\(0\.959×; target ≤ 1×; round by round 0\.80×, 1\.11×, 0\.96×: met in 2 of 3\)$/);
    const get = checkTargets(rounds).find(([, text]: [boolean, string]) =>
      text.startsWith('sequential get, warmed up, median'),
    );
    // No rounds recorded: the pooled ratio only, then the raw gets' same statistic.
    expect(get[1]).toMatch(/\(0\.769×; target ≤ 1×; the same gets as raw bytes in the same process: 0\.900 ms\)$/);
    const ceiling = checkTargets(results).find(([, text]: [boolean, string]) => text.includes("daemons' ceiling"));
    expect(ceiling[1]).toMatch(/: 10000 gets\/s = 90\.9% of the 11000\/s of the same gets as pre-encoded bytes/);
    const slower = { ...results.sequential.this, get_concurrent_raw: figure(24, { opsPerSecond: 12_500 }) };
    const missed = checkTargets({ ...results, sequential: { ...results.sequential, this: slower } }).find(
      ([, text]: [boolean, string]) => text.includes("daemons' ceiling"),
    );
    expect(missed[0]).toBe(false); // 80%
    // Just under the target: one decimal, so that the figure beside MISSED is not the target itself.
    const justUnder = { ...results.sequential.this, get_concurrent_raw: figure(24, { opsPerSecond: 11_773 }) };
    const [under, underText] = checkTargets({
      ...results,
      sequential: { ...results.sequential, this: justUnder },
    }).find(([, text]: [boolean, string]) => text.includes("daemons' ceiling"));
    expect(under).toBe(false);
    expect(underText).toMatch(/= 84\.9% of the 11773\/s/);
    const concurrent = checkTargets(results).find(([, text]: [boolean, string]) =>
      text.startsWith('300 concurrent gets:'),
    );
    // The service's own limit is printed beside it: its SearchItems alone, against the fastest peer's gets.
    expect(concurrent[1]).toMatch(/SearchItems alone.* at 15000\/s = 19\.5×/);
    // And the floor under every client's get beside the aim: the same gets as raw bytes, against libsecret's.
    const aim = checkTargets(results).find(([, text]: [boolean, string]) => text.startsWith('get vs libsecret'));
    expect(aim[1]).toMatch(/raw pre-encoded bytes.* take 0\.900 ms = 0\.692× libsecret/);
  });

  it("gives the cold starts' ratios a bootstrap interval, and says when it spans the target", () => {
    const spread = (center: number) => Array.from({ length: 30 }, (_, i) => center * (0.85 + (0.3 * i) / 29));
    const withTimes = {
      ...results,
      cold: [
        { ...results.cold[0], timesMs: spread(40) },
        { ...results.cold[1], medianMs: 58, timesMs: spread(58) }, // 1.45×: below the line, within the noise
        { ...results.cold[2], medianMs: 44, timesMs: spread(44) }, // 1.10×: clearly below
      ],
    };
    const lines = checkTargets(withTimes)
      .map(([, text]: [boolean, string]) => text)
      .filter((text: string) => text.startsWith('cold start'));
    expect(lines[0]).toMatch(/= 1\.45× .*95% bootstrap interval 1\.\d\d–1\.\d\d×, which spans the target/);
    expect(lines[1]).toMatch(/= 1\.10× .*95% bootstrap interval 1\.\d\d–1\.\d\d×\)$/);
    expect(renderReport(withTimes, { machine: 'm', command: 'c', date: 'd' })).toMatch(
      /\| this \| 58\.0 ms \| 1\.45× \(1\.\d\d–1\.\d\d\) \|/,
    );
    // The same figures always give the same interval, which holds the ratio of the medians.
    const [low, high] = medianRatioInterval(spread(58), spread(40)) as [number, number];
    expect(medianRatioInterval(spread(58), spread(40))).toEqual([low, high]);
    expect(low).toBeLessThan(1.45);
    expect(high).toBeGreaterThan(1.45);
    expect(medianRatioInterval([1, 2, 3], spread(40))).toBeUndefined();
  });

  it('the keyring-file stage: a table per file size, and a target line per operation against libsecret', () => {
    const stage = renderKeyringFileStage({
      n: 30,
      ours: { set: 2.27, get: 0.423, delete: 1.96 },
      theirs: { set: 2.18, get: 0.667, delete: 0.932 },
    });
    expect(stage).toContain('keyring file, 30 passwords, median per operation (ms):');
    expect(stage).toContain('| get | 0.423 | 0.667 |');
    expect(stage).toContain(
      "- MISSED: keyring file of 30, delete, median: 1.96 ms vs libsecret's file backend 0.932 ms (2.103×; target ≤ 1×)",
    );
    expect(stage).toContain("- met: keyring file of 30, get, median: 0.423 ms vs libsecret's file backend 0.667 ms");
    // Without libsecret (no python3-gi): the table with dashes, and no target lines.
    const alone = renderKeyringFileStage({ n: 300, ours: { set: 2, get: 0.4, delete: 1.9 } });
    expect(alone).toContain('| set | 2.00 | — |');
    expect(alone).not.toContain('Targets');
  });

  it('takes percentiles between the nearest ranks, so a p99 of a few hundred samples moves smoothly', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(quantile(hundred, 0.5)).toBeCloseTo(50.5, 9);
    expect(quantile(hundred, 0.9)).toBeCloseTo(90.1, 9);
    expect(quantile(hundred, 0.99)).toBeCloseTo(99.01, 9);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
    // One slow operation in 300 moves the mean and the p99 (its neighbours), not the median.
    const tail = [...Array.from({ length: 299 }, () => 1), 31];
    expect(mean(tail)).toBeCloseTo(1.1, 9);
    expect(median(tail)).toBe(1);
    expect(quantile(tail, 0.99)).toBe(1);
    expect(quantile([...tail.slice(3), 31, 31, 31, 31], 0.99)).toBeGreaterThan(1);
  });

  it('formats milliseconds to three significant digits and summarises medians', () => {
    expect([formatMs(0.41234), formatMs(1.234), formatMs(12.34), formatMs(123.4)]).toEqual([
      '0.412',
      '1.23',
      '12.3',
      '123',
    ]);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const line = {
      client: 'c',
      phase: 'get',
      n: 2,
      wall_ms: 10,
      cpu_ms: 4,
      daemon_cpu_ms: { keyring: 6, bus: 2 },
      samples_ms: [2, 8],
    };
    expect(summarise([line, { ...line, samples_ms: [4, 6] }])).toEqual({
      ms: 5,
      meanMs: 5,
      p90Ms: expect.closeTo(7.4, 9), // between the two largest samples, 6 and 8
      p99Ms: expect.closeTo(7.94, 9),
      maxMs: 8,
      cpuPerOpMs: 2,
      keyringCpuPerOpMs: 3,
      busCpuPerOpMs: 1,
      opsPerSecond: 200,
      n: 4,
      runs: 2,
      runMs: [5, 5],
    });
    expect(
      summarise([
        { ...line, samples_ms: [1, 2, 9] },
        { ...line, samples_ms: undefined, wall_ms: 30 },
      ]).runMs,
    ).toEqual([2, 30]);
  });

  it('names the exception a failed client printed, not the runtime banner after it', () => {
    const node =
      "node:internal/modules/cjs/loader:1143\n  throw err;\n\nError: Cannot find module 'keytar'\nRequire stack:\n- x\n    at y\n\nNode.js v20.20.2\n";
    expect(errorLine(node)).toBe("Error: Cannot find module 'keytar'");
    expect(
      errorLine('Traceback (most recent call last):\n  File "x"\nModuleNotFoundError: No module named \'gi\'\n'),
    ).toBe("ModuleNotFoundError: No module named 'gi'");
  });
});

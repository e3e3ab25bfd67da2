// @ts-check
/** The machine a run happened on, for the report and the JSON: what a reader needs to compare two runs. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** @param {string} program @param {string[]} args */
function output(program, args) {
  const run = spawnSync(program, args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function osName() {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/** Clock ticks per second, the unit of CPU times in /proc/<pid>/stat. */
export function clockTicks() {
  return Number(output('getconf', ['CLK_TCK']) ?? 100);
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    os: osName(),
    kernel: os.release(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    python: output(process.env.BENCH_PYTHON || '/usr/bin/python3', ['--version'])?.replace('Python ', ''),
    gnomeKeyring: output('gnome-keyring-daemon', ['--version'])?.split('\n')[0].replace('gnome-keyring-daemon: ', ''),
    dbusDaemon: output('dbus-daemon', ['--version'])
      ?.split('\n')[0]
      .replace(/^D-Bus Message Bus Daemon /, ''),
    hyperfine: output('hyperfine', ['--version'])?.replace('hyperfine ', ''),
  };
}

/** One line for the report's header. @param {ReturnType<typeof describeMachine>} machine */
export function machineLine(machine) {
  return (
    `${machine.os}, ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `Python ${machine.python ?? '?'}, gnome-keyring ${machine.gnomeKeyring ?? '?'}, dbus-daemon ${machine.dbusDaemon ?? '?'}`
  );
}

/**
 * The machine's CPU time counters so far (all CPUs, in clock ticks): total, and stolen by the hypervisor (the 8th
 * field of /proc/stat's `cpu` line), or null where /proc/stat is not there.
 * @returns {{ total: number, steal: number } | null}
 */
export function cpuCounters() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * The share of CPU time a virtual machine's hypervisor gave to others between two readings of {@link cpuCounters}:
 * when it is high, every figure of the run is slower and noisier, whatever the client.
 * @param {{ total: number, steal: number } | null} start @param {{ total: number, steal: number } | null} end
 */
export function stolenShare(start, end) {
  if (!start || !end || end.total <= start.total) return null;
  return (end.steal - start.steal) / (end.total - start.total);
}

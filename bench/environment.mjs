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

// @ts-check
/** Runs one client process for one stage and collects the JSON lines it prints. */
import { spawn } from 'node:child_process';

/**
 * @typedef {import('./clients/measure.mjs').PhaseResult & { version?: string, keyring_pid?: number }} ClientLine
 */

export class ClientFailed extends Error {
  /**
   * @param {string} message
   * @param {string} stderr
   * @param {ClientLine[]} lines what the client reported before it failed (its earlier phases still count)
   */
  constructor(message, stderr, lines = []) {
    super(message);
    this.name = 'ClientFailed';
    this.stderr = stderr;
    this.lines = lines;
  }
}

/**
 * Starts `command` with `env`, waits for it to exit, and returns the JSON lines it printed.
 * @param {string[]} command
 * @param {Record<string, string | undefined>} env
 * @param {number} timeoutMs
 * @returns {Promise<ClientLine[]>}
 * @throws ClientFailed when it exits with an error or runs out of time, with the exception it printed and the lines
 *   it reported before.
 */
export function runClient(command, env, timeoutMs) {
  const [program, ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new ClientFailed(`${program} could not be started (${error.message})`, ''));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      /** @type {ClientLine[]} */
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line));
      if (code === 0) return resolve(lines);
      const why = timedOut
        ? `ran out of its ${timeoutMs / 1000} s`
        : signal
          ? `was killed by ${signal}`
          : `exited with ${code}`;
      reject(new ClientFailed(`${why}: ${errorLine(stderr) || 'no error output'}`, stderr, lines));
    });
  });
}

/**
 * The line of a process's error output that says what went wrong: the last exception line (Node and Python both
 * print `SomethingError: message`), else the last line.
 * @param {string} text
 */
export function errorLine(text) {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^Node\.js v\d/.test(line));
  return lines.findLast((line) => /^[\w.]*(Error|Exception)\b/.test(line)) ?? lines.pop() ?? '';
}

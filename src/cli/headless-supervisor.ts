/**
 * The background process behind `secretstorage headless --print-env`, started detached by headless-background.ts:
 * it runs a headless keyring, reports one JSON line on stdout (`{ ok, env, pid }` or `{ ok: false, message,
 * exitCode }`), and stops the keyring on SIGTERM, SIGINT or SIGHUP. Options: `--data-dir DIR`, `--password-stdin`
 * (the password, raw, on stdin).
 */
import { parseArgs } from 'node:util';
import { startHeadlessKeyring } from '../testing/headless-keyring.js';
import { exitCodeFor } from './exit-codes.js';
import { readSecret } from './io.js';

export interface SupervisorReport {
  ok: boolean;
  env?: Record<string, string>;
  pid?: number;
  message?: string;
  exitCode?: number;
}

async function supervise(): Promise<void> {
  // The reader goes away once it has the report: later writes must not crash this process.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const report = (value: SupervisorReport) => process.stdout.end(`${JSON.stringify(value)}\n`);
  try {
    const { values } = parseArgs({
      options: { 'data-dir': { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    });
    const password = values['password-stdin']
      ? await readSecret(
          { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env },
          {
            prompt: '',
            raw: true,
          },
        )
      : undefined;
    // Nobody reads this process's stderr once the report is out: a crashed daemon is restarted without a word.
    const keyring = await startHeadlessKeyring({ dataDir: values['data-dir'], password, restartKeyringOnExit: true });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void keyring.stop().finally(() => process.exit(0));
    };
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
    report({ ok: true, env: keyring.env, pid: process.pid });
  } catch (error) {
    report({
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      exitCode: exitCodeFor(error),
    });
    process.exitCode = 1;
  }
}

await supervise();

/**
 * The background process behind `secretstorage headless --print-env`, started detached by headless-background.ts:
 * it runs a headless keyring, reports one JSON line on stdout (`{ ok, env, pid }` or `{ ok: false, message,
 * exitCode }`), and stops the keyring on SIGTERM, SIGINT or SIGHUP. Options: `--data-dir DIR`, `--password-stdin`
 * (the password, raw, on stdin). Nobody reads its stderr once the report is out: what happens to gnome-keyring-daemon
 * goes to a log in the keyring's private directory, named in the report's env (SECRETSTORAGE_HEADLESS_LOG).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startHeadlessKeyring } from '../testing/headless-keyring.js';
import { exitCodeFor } from './exit-codes.js';
import { LOG_VARIABLE, type SupervisorReport } from './headless-background.js';
import { readSecret } from './io.js';
import { BACKGROUND, reportKeyringExit } from './keyring-exit-report.js';

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
    let log: string | undefined;
    const logWriter = {
      write: (text: string) => {
        try {
          if (log) appendFileSync(log, `[${new Date().toISOString()}] ${text}`, { mode: 0o600 });
        } catch {
          // A log that cannot be written must not take the keyring down with it.
        }
      },
    };
    const keyring = await startHeadlessKeyring({
      dataDir: values['data-dir'],
      password,
      restartKeyringOnExit: true,
      onKeyringExit: (exit) => reportKeyringExit(exit, logWriter, BACKGROUND),
    });
    log = join(keyring.directory, 'keyring.log');
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void keyring.stop().finally(() => process.exit(0));
    };
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
    report({ ok: true, env: { ...keyring.env, [LOG_VARIABLE]: log }, pid: process.pid });
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

/** `secretstorage diagnose`: why the keyring works or not here, and the fix for each problem. */
import { diagnose, type Diagnosis, type Verdict } from '../../keyring/diagnose.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import { optionNames, parseCommandArgs } from '../keyring-args.js';

const OPTIONS = { json: { type: 'boolean' }, address: { type: 'string' } } as const;

const EXIT_FOR: Record<Verdict, number> = {
  ok: EXIT.ok,
  'no-bus': EXIT.noService,
  'no-service': EXIT.noService,
  locked: EXIT.locked,
  incomplete: EXIT.failure,
};

const MARK = { ok: '[ok]     ', info: '[info]   ', warning: '[warning]', problem: '[problem]' } as const;

function formatReport(report: Diagnosis): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]} ${check.summary}`);
    if (check.fix) lines.push(`          fix: ${check.fix}`);
  }
  const verdicts: Record<Verdict, string> = {
    ok: 'The keyring works.',
    'no-bus': 'No session bus: nothing can reach a keyring.',
    'no-service': 'No Secret Service on the bus answers.',
    locked: 'The default collection is locked.',
    incomplete: 'The keyring answers, but not everything works (see the problems above).',
  };
  lines.push('', verdicts[report.verdict]);
  return `${lines.join('\n')}\n`;
}

export const diagnoseCommand: Command = {
  name: 'diagnose',
  aliases: ['doctor'],
  summary: 'Explain why the keyring works or not here, with the fix for each problem',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage diagnose [--json] [--address ADDRESS]

Checks, in order: the session bus address (and where it came from), the connection to the bus, whether
org.freedesktop.secrets is owned (by which program) or can be started by the bus, the transfer algorithm the service
negotiates, the default collection and the lock state of every collection, and whether unlock prompts can be shown.
Each problem comes with its fix.

Options:
  --address ADDRESS   diagnose this bus instead of the session bus
  --json              print the report as JSON ({"verdict", "checks":[{"id","status","summary","fix"}], …})

Exit codes: 0 everything works, 3 the default collection is locked, 4 no session bus or no Secret Service,
7 other problems (e.g. no default collection).
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    const report = await diagnose({ env: io.env, ...(values.address ? { address: values.address } : {}) });
    if (values.json) writeJson(io, report);
    else io.stdout.write(formatReport(report));
    return EXIT_FOR[report.verdict];
  },
};

/** `secretstorage collections`: every collection with its label, lock state, item count and default alias. */
import { listCollections } from '../../keyring/collections.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import { optionNames, parseCommandArgs, parseTimeout } from '../keyring-args.js';

const OPTIONS = { timeout: { type: 'string' }, json: { type: 'boolean' } } as const;

export const collectionsCommand: Command = {
  name: 'collections',
  summary: 'List collections: label, path, lock state, item count, default',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage collections [--json] [--timeout SECONDS]

Lists every collection of the Secret Service: label, object path, locked or not, how many items, and which one the
"default" alias points to (where new passwords go).

Options:
  --timeout SECONDS   give up after this long
  --json              print [{"path","label","isDefault","locked","items"}]

Exit codes: 0 listed, 2 usage, 4 no keyring service.
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    const timeoutMs = parseTimeout(values.timeout);
    const collections = await listCollections({ env: io.env, ...(timeoutMs ? { timeoutMs } : {}) });
    if (values.json) {
      writeJson(io, collections);
      return EXIT.ok;
    }
    const label = (c: { label: string }) => c.label || '(no label)';
    const width = Math.max(0, ...collections.map((c) => label(c).length));
    for (const c of collections) {
      const state = `${c.locked ? 'locked' : 'unlocked'}, ${c.items} item${c.items === 1 ? '' : 's'}`;
      io.stdout.write(`${label(c).padEnd(width)}  ${c.path}  ${state}${c.isDefault ? '  (default)' : ''}\n`);
    }
    return EXIT.ok;
  },
};

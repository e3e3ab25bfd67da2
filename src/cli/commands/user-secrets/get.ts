/** `user-secrets get KEY`: print one secret. */
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { CliExit } from '../../usage-error.js';
import { wantsNewline } from '../../keyring-args.js';
import { withManager, type Subcommand } from './context.js';

export const getSubcommand: Subcommand = {
  name: 'get',
  summary: 'Print one secret',
  help: `get KEY [--newline | --no-newline]
  Prints the value of KEY, with a newline only when stdout is a terminal (as secret-tool does). Exit 1 if the
  project has no such key.`,
  options: { newline: { type: 'boolean' }, 'no-newline': { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'KEY' },
  async run(context) {
    const { io, values, positionals } = context;
    const [key] = positionals;
    const newline = wantsNewline(values as { newline?: boolean; 'no-newline'?: boolean }, io);
    const value = await withManager(context, (manager) => manager.get(key));
    if (value === undefined) throw new CliExit(`No secret ${key} in this project.`, EXIT.notFound);
    if (values.json) writeJson(io, { key, value });
    else io.stdout.write(newline ? `${value}\n` : value);
    return EXIT.ok;
  },
};

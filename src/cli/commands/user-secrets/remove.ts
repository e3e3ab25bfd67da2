/** `user-secrets remove KEY`: delete one secret. */
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { CliExit } from '../../usage-error.js';
import { note, withManager, type Subcommand } from './context.js';

export const removeSubcommand: Subcommand = {
  name: 'remove',
  aliases: ['delete', 'rm'],
  summary: 'Delete one secret',
  help: `remove KEY [--if-exists]      (aliases: delete, rm)
  Deletes KEY. Exit 1 if there is no such key, unless --if-exists.`,
  options: { 'if-exists': { type: 'boolean' } },
  positionals: { min: 1, max: 1, names: 'KEY' },
  async run(context) {
    const { io, values, positionals } = context;
    const [key] = positionals;
    const removed = await withManager(context, (manager) => manager.delete(key));
    if (!removed && !values['if-exists']) throw new CliExit(`No secret ${key} in this project.`, EXIT.notFound);
    if (values.json) writeJson(io, { key, removed });
    else note(io, removed ? `Removed ${key}.` : `No secret ${key}; nothing to remove.`);
    return EXIT.ok;
  },
};

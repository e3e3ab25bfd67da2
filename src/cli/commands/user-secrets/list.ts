/** `user-secrets list`: the project's keys, values only when asked for. */
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { note, withManager, type Subcommand } from './context.js';

export const listSubcommand: Subcommand = {
  name: 'list',
  aliases: ['ls'],
  summary: 'List the keys (values only with --show-values)',
  help: `list [--show-values]
  Prints one key per line. Reading names needs no unlock. --show-values prints KEY="value" lines instead (values
  JSON-quoted, so each is one line) and unlocks the keyring if needed.`,
  options: { 'show-values': { type: 'boolean' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(context) {
    const { io, values } = context;
    const showValues = Boolean(values['show-values']);
    const entries = await withManager(context, async (manager) =>
      showValues
        ? Object.entries(await manager.getAll())
        : (await manager.list()).map((key): [string, undefined] => [key, undefined]),
    );
    if (values.json) {
      writeJson(
        io,
        entries.map(([key, value]) => (showValues ? { key, value } : { key })),
      );
      return EXIT.ok;
    }
    if (entries.length === 0) note(io, 'No secrets stored for this project.');
    for (const [key, value] of entries) io.stdout.write(showValues ? `${key}=${JSON.stringify(value)}\n` : `${key}\n`);
    return EXIT.ok;
  },
};

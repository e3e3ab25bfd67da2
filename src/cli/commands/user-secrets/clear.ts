/** `user-secrets clear`: delete every secret of the project. */
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { CliExit, UsageError } from '../../usage-error.js';
import { askYesNo, canAsk } from './confirm.js';
import { note, withManager, type Subcommand } from './context.js';

export const clearSubcommand: Subcommand = {
  name: 'clear',
  summary: 'Delete every secret of the project',
  help: `clear [--yes]
  Deletes all of the project's secrets. On a terminal it asks first, unless --yes (and with stdin a terminal but
  stderr redirected, where it cannot ask, it refuses without --yes). Elsewhere (a script, CI) it deletes.`,
  options: { yes: { type: 'boolean', short: 'y' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(context) {
    const { io, values } = context;
    const removed = await withManager(context, async (manager) => {
      if (!values.yes && io.stdin.isTTY && !canAsk(io)) {
        // Someone at a terminal, but the question could not be seen (stderr redirected): do not take silence as yes.
        throw new UsageError('clear asks before deleting, and stderr is not a terminal to ask on: pass --yes.');
      }
      if (!values.yes && canAsk(io)) {
        const count = (await manager.list()).length;
        if (count === 0) return 0;
        if (!(await askYesNo(io, `Delete all ${count} secret(s) of this project?`))) {
          throw new CliExit('Nothing was deleted.', EXIT.failure);
        }
      }
      return manager.clear();
    });
    if (values.json) writeJson(io, { removed });
    else note(io, `Removed ${removed} secret(s).`);
    return EXIT.ok;
  },
};

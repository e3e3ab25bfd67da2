/** `secretstorage lock [--collection C]`: lock one collection, or all of them. */
import { lockCollections } from '../../keyring/collections.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import { CliExit } from '../usage-error.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  keyringOptions,
  optionNames,
  parseCommandArgs,
  exitNotFound,
} from '../keyring-args.js';

const OPTIONS = COMMON_OPTIONS;

export const lockCommand: Command = {
  name: 'lock',
  summary: 'Lock a collection, or every collection',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage lock [--collection C] [options]

Locks the collection C, or every collection when none is named (as secret-tool lock does).

Options:
${COMMON_HELP}
                      ({"locked":[paths],"stillUnlocked":[paths]})

Some collections cannot be locked (gnome-keyring's in-memory "session" collection): they are reported as not locked.

Exit codes: 0 locked, 1 no such collection, 2 usage, 4 no keyring service, 7 the named collection stayed unlocked.
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    const result = await exitNotFound(lockCollections(keyringOptions(values, io)));
    if (values.json) writeJson(io, result);
    else {
      io.stdout.write(result.locked.map((path) => `locked ${path}\n`).join(''));
      io.stdout.write(
        result.stillUnlocked.map((path) => `not locked ${path} (the service keeps it unlocked)\n`).join(''),
      );
    }
    if (values.collection !== undefined && result.stillUnlocked.length > 0) {
      throw new CliExit(`The Secret Service did not lock ${result.stillUnlocked.join(', ')}.`, EXIT.failure);
    }
    return EXIT.ok;
  },
};

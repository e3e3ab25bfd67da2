/** `secretstorage lock [--collection C]`: lock one collection, or all of them. */
import { lockCollections } from '../../keyring/collections.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import { COMMON_HELP, COMMON_OPTIONS, keyringOptions, optionNames, parseCommandArgs } from '../keyring-args.js';

const { profile: _profile, ...OPTIONS } = COMMON_OPTIONS;

export const lockCommand: Command = {
  name: 'lock',
  summary: 'Lock a collection, or every collection',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage lock [--collection C] [options]

Locks the collection C, or every collection when none is named (as secret-tool lock does).

Options:
${COMMON_HELP}
                      ({"locked":[paths]})

Exit codes: 0 locked, 1 no such collection, 2 usage, 4 no keyring service.
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    const locked = await lockCollections(keyringOptions(values, io));
    if (values.json) writeJson(io, { locked });
    else io.stdout.write(locked.map((path) => `locked ${path}\n`).join(''));
    return EXIT.ok;
  },
};

/** `secretstorage delete SERVICE USERNAME`: delete a password, whichever tool stored it. */
import { deletePassword } from '../../keyring/passwords.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  keyringOptions,
  optionNames,
  parseCommandArgs,
  exitNotFound,
} from '../keyring-args.js';
import { CliExit } from '../usage-error.js';

const OPTIONS = COMMON_OPTIONS;

export const deleteCommand: Command = {
  name: 'delete',
  aliases: ['del', 'rm'],
  summary: 'Delete the password for a service and user',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage delete SERVICE USERNAME [options]

Deletes every item holding a password for SERVICE and USERNAME (written by this tool, keytar, Python keyring,
keyring-rs or @napi-rs/keyring), so that a later 'get' finds nothing.

Options:
${COMMON_HELP}
                      ({"service","username","deleted":true})

Exit codes: 0 deleted, 1 nothing to delete, 2 usage, 3 locked, 4 no keyring service.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, { min: 2, max: 2, names: 'SERVICE USERNAME' });
    const [service, username] = positionals;
    if (!(await exitNotFound(deletePassword(service, username, keyringOptions(values, io))))) {
      throw new CliExit(`No password for "${username}" on "${service}" to delete.`, EXIT.notFound);
    }
    if (values.json) writeJson(io, { service, username, deleted: true });
    return EXIT.ok;
  },
};

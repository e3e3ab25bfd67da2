/** `secretstorage clear ATTRIBUTE VALUE …`: delete every item with these attributes, as secret-tool does. */
import { clearSecrets } from '../../keyring/attribute-items.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import {
  ATTRIBUTE_PAIRS,
  COMMON_HELP,
  COMMON_OPTIONS,
  exitNotFound,
  keyringOptions,
  nothingMatched,
  optionNames,
  parseAttributePairs,
  parseCommandArgs,
} from '../keyring-args.js';
import { CliExit } from '../usage-error.js';

const OPTIONS = COMMON_OPTIONS;

export const clearCommand: Command = {
  name: 'clear',
  summary: "Delete every item with these attributes (secret-tool's clear)",
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage clear ATTRIBUTE VALUE [ATTRIBUTE VALUE …] [options]

secret-tool's clear: deletes every item whose attributes include all the ATTRIBUTE VALUE pairs given (in every
collection, or --collection's). Locked ones are unlocked first through the keyring's prompt; if that fails, nothing
is deleted. For a password by service and user name, whichever tool stored it, use 'secretstorage delete'.

Options:
${COMMON_HELP}
                      ({"deleted": count})

Exit codes: 0 deleted, 1 nothing matched (secret-tool exits 0 there), 2 usage, 3 locked (prompt dismissed or
impossible), 4 no keyring service.

Examples:
  secretstorage clear service myapp username alice
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, ATTRIBUTE_PAIRS);
    const attributes = parseAttributePairs('clear', positionals);
    const deleted = await exitNotFound(clearSecrets(attributes, keyringOptions(values, io)));
    if (deleted === 0) throw new CliExit(nothingMatched('clear', positionals), EXIT.notFound);
    if (values.json) writeJson(io, { deleted });
    return EXIT.ok;
  },
};

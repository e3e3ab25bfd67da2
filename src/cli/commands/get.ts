/** `secretstorage get SERVICE [USERNAME]`: print a password, whichever tool stored it. */
import { getCredential } from '../../keyring/passwords.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import {
  COMMON_HELP,
  PASSWORD_OPTIONS,
  PROFILE_HELP,
  keyringOptions,
  optionNames,
  parseCommandArgs,
  wantsNewline,
  exitNotFound,
} from '../keyring-args.js';
import { CliExit } from '../usage-error.js';

const OPTIONS = {
  ...PASSWORD_OPTIONS,
  newline: { type: 'boolean' },
  'no-newline': { type: 'boolean' },
} as const;

export const getCommand: Command = {
  name: 'get',
  summary: 'Print the password for a service and user',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage get SERVICE [USERNAME] [options]

Prints the password stored for SERVICE and USERNAME by this tool, keytar, Python keyring, keyring-rs or
@napi-rs/keyring (items with service plus username or account, in every collection). Without USERNAME, prints the
best password of any user of SERVICE. A locked collection is unlocked through the keyring's prompt.

Options:
${PROFILE_HELP}
${COMMON_HELP}
                      ({"service","username","password"})
  --newline           end the output with a newline (default: only when stdout is a terminal)
  --no-newline        never end the output with a newline

Exit codes: 0 found, 1 not found, 2 usage, 3 locked (prompt dismissed or impossible), 4 no keyring service.

Examples:
  secretstorage get myapp alice
  TOKEN="$(secretstorage get myapp alice)"
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, { min: 1, max: 2, names: 'SERVICE [USERNAME]' });
    const [service, username] = positionals;
    const newline = wantsNewline(values, io);
    const credential = await exitNotFound(getCredential(service, username, keyringOptions(values, io)));
    if (!credential) {
      const whose = username === undefined ? 'any user' : `"${username}"`;
      throw new CliExit(`No password for ${whose} on "${service}".`, EXIT.notFound);
    }
    if (values.json) writeJson(io, { service, username: credential.username, password: credential.password });
    else io.stdout.write(newline ? `${credential.password}\n` : credential.password);
    return EXIT.ok;
  },
};

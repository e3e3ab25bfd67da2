/** `secretstorage set SERVICE USERNAME`: store a password read from stdin or a no-echo prompt. */
import { storePassword } from '../../keyring/passwords.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { readSecret, writeJson } from '../io.js';
import {
  COMMON_HELP,
  PASSWORD_OPTIONS,
  PROFILE_HELP,
  keyringOptions,
  optionNames,
  parseCommandArgs,
  exitNotFound,
} from '../keyring-args.js';
import { UsageError } from '../usage-error.js';
import { decodeUtf8 } from '../../utf8.js';

const OPTIONS = {
  ...PASSWORD_OPTIONS,
  raw: { type: 'boolean' },
  'allow-argv': { type: 'boolean' },
} as const;

export const setCommand: Command = {
  name: 'set',
  summary: 'Store a password for a service and user (from stdin or a prompt)',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage set SERVICE USERNAME [options] < password

Stores a password for SERVICE and USERNAME in the format of a profile: the items that profile's tool would read
are updated in place (no duplicate is left behind); otherwise a new item goes to the collection (default: the
"default" alias). The password is read from stdin when it is not a terminal (one trailing newline stripped), else
asked for without echo. It is never taken from the command line unless --allow-argv is given.

Options:
${PROFILE_HELP}
${COMMON_HELP}
                      ({"service","username","profile","action","itemPath"})
  --raw               keep stdin byte for byte, trailing newline included (as secret-tool does)
  --allow-argv        accept the password as a third argument (visible to other users in ps; avoid)

Exit codes: 0 stored, 2 usage, 3 locked (prompt dismissed or impossible), 4 no keyring service.

Examples:
  printf %s "$TOKEN" | secretstorage set myapp alice
  secretstorage set --profile keytar myapp alice      # asks for the password
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, {
      min: 2,
      max: 3,
      names: 'SERVICE USERNAME',
    });
    const [service, username, fromArgv] = positionals;
    const options = keyringOptions(values, io);
    let password: string;
    if (fromArgv !== undefined) {
      if (!values['allow-argv']) {
        throw new UsageError(
          'refusing a password on the command line (other users can read it in ps and your shell history keeps it): ' +
            `pipe it in (\`printf %s "$PASSWORD" | secretstorage set ${service} ${username}\`) or type it at the prompt; ` +
            '--allow-argv accepts it anyway.',
        );
      }
      io.stderr.write(
        'secretstorage set: warning: the password was given on the command line, where others can see it.\n',
      );
      password = fromArgv;
    } else {
      const secret = await readSecret(io, { prompt: `Password for '${username}' on '${service}': `, raw: values.raw });
      // Byte for byte: a leading BOM is kept, as `store` and secret-tool keep it.
      const text = decodeUtf8(secret, true);
      secret.fill(0);
      if (text === undefined)
        throw new UsageError('the password read is not UTF-8 text; passwords are stored as text.');
      password = text;
    }
    if (password === '') {
      // Often an unset variable (`printf %s "$TOKEN" |` in CI): stored as asked, but not silently.
      io.stderr.write('secretstorage set: warning: the password is empty; storing it anyway.\n');
    }
    const result = await exitNotFound(storePassword(service, username, password, options));
    if (values.json) {
      writeJson(io, {
        service,
        username,
        profile: options.profile ?? 'python-keyring',
        action: result.action,
        itemPath: result.itemPath,
        updated: result.updated,
        removedDuplicates: result.removedDuplicates,
      });
    }
    return EXIT.ok;
  },
};

/** `secretstorage copy --to-file | --from-file`: move secrets between the Secret Service and a keyring file. */
import { FILE_PASSWORD_ENV, FILE_PATH_ENV } from '../../backend/choose.js';
import { copySecrets } from '../../keyring/copy.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  keyringOptions,
  optionNames,
  parseAttributes,
  parseCommandArgs,
} from '../keyring-args.js';
import { UsageError } from '../usage-error.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  'to-file': { type: 'boolean' },
  'from-file': { type: 'boolean' },
  file: { type: 'string' },
  attr: { type: 'string', multiple: true },
} as const;

export const copyCommand: Command = {
  name: 'copy',
  summary: 'Copy secrets between the Secret Service and a keyring file',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage copy --to-file | --from-file [--file PATH] [--attr NAME=VALUE]... [options]

Copies items, with their labels, attributes, content types and secrets, from the Secret Service to a keyring file
(--to-file) or from a keyring file to the Secret Service's default collection (--from-file). The keyring file is
libsecret's and oo7's format: PATH, else $${FILE_PATH_ENV}, else $XDG_DATA_HOME/keyrings/default.keyring; its
password comes from $${FILE_PASSWORD_ENV}. An item the target has with the same attributes is replaced, so
copying again leaves one copy. Locked collections are unlocked through the keyring's prompt.

Options:
  --to-file           from the Secret Service (every collection, or --collection) to the file
  --from-file         from the file to the Secret Service (the default collection, or --collection)
  --file PATH         the keyring file
  --attr NAME=VALUE   only items with this attribute (repeatable)
${COMMON_HELP}
                      ({"file","created","replaced"})

Exit codes: 0 copied, 2 usage, 3 locked (or the file's password is wrong), 4 no keyring service, 6 damaged file.

Examples:
  ${FILE_PASSWORD_ENV}=… secretstorage copy --to-file --file ~/backup.keyring
  ${FILE_PASSWORD_ENV}=… secretstorage copy --from-file --attr service=myapp
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    if (Boolean(values['to-file']) === Boolean(values['from-file'])) {
      throw new UsageError('give one of --to-file and --from-file.');
    }
    if (values.file === '') throw new UsageError('--file needs a path.');
    const result = await copySecrets(values['to-file'] ? 'to-file' : 'from-file', {
      ...keyringOptions(values, io),
      attributes: parseAttributes(values.attr),
      ...(values.file !== undefined ? { filePath: values.file } : {}),
    });
    if (values.json) writeJson(io, result);
    else {
      const where = values['to-file'] ? `to ${result.file}` : `from ${result.file}`;
      io.stdout.write(`Copied ${result.created + result.replaced} item(s) ${where} (${result.replaced} replaced).\n`);
    }
    return EXIT.ok;
  },
};

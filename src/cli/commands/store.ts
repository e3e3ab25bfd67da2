/** `secretstorage store --label L ATTRIBUTE VALUE …`: store a secret under exactly these attributes, as secret-tool does. */
import { storeSecret } from '../../keyring/attribute-items.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { readSecret, writeJson } from '../io.js';
import {
  ATTRIBUTE_PAIRS,
  COMMON_HELP,
  COMMON_OPTIONS,
  exitNotFound,
  keyringOptions,
  optionNames,
  parseAttributePairs,
  passwordCommandHint,
  parseCommandArgs,
} from '../keyring-args.js';
import { UsageError } from '../usage-error.js';
import { contentTypeFor } from '../../validate.js';

const OPTIONS = { ...COMMON_OPTIONS, label: { type: 'string', short: 'l' }, raw: { type: 'boolean' } } as const;

export const storeCommand: Command = {
  name: 'store',
  summary: "Store a secret under these attributes, from stdin or a prompt (secret-tool's store)",
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage store --label LABEL ATTRIBUTE VALUE [ATTRIBUTE VALUE …] [options] < secret

secret-tool's store: stores the secret under exactly the ATTRIBUTE VALUE pairs given, replacing the item with the
same attributes in the collection (default: the "default" alias). The secret is read from stdin when it is not a
terminal (one trailing newline stripped, unlike secret-tool; --raw keeps it), else asked for without echo. For a
password by service and user name in the format of keytar, Python keyring or keyring-rs, use 'secretstorage set'.

Options:
  --label, -l LABEL   the item's label, shown by Seahorse and secret-tool (required, as in secret-tool)
  --raw               keep stdin byte for byte, trailing newline included
${COMMON_HELP}
                      ({"itemPath"})

Exit codes: 0 stored, 1 no default collection (and none can be created), 2 usage, 3 locked (prompt dismissed or
impossible), 4 no keyring service.

Examples:
  printf %s "$TOKEN" | secretstorage store --label 'myapp token' service myapp username alice
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, ATTRIBUTE_PAIRS);
    if (!values.label) {
      throw new UsageError(
        `store needs --label LABEL (the name Seahorse and secret-tool show)${passwordCommandHint('store', positionals)}.`,
      );
    }
    const attributes = parseAttributePairs('store', positionals);
    const options = keyringOptions(values, io);
    const secret = await readSecret(io, { prompt: 'Secret: ', raw: values.raw });
    try {
      if (secret.length === 0)
        io.stderr.write('secretstorage store: warning: the secret is empty; storing it anyway.\n');
      const itemPath = await exitNotFound(
        // text/plain, as secret-tool stores, unless the bytes are not UTF-8 (which a text type would refuse).
        storeSecret(values.label, attributes, secret, {
          ...options,
          contentType: contentTypeFor(secret, 'text/plain'),
        }),
      );
      if (values.json) writeJson(io, { itemPath });
    } finally {
      secret.fill(0);
    }
    return EXIT.ok;
  },
};

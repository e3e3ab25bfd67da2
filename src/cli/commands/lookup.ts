/** `secretstorage lookup ATTRIBUTE VALUE …`: print the secret of an item with those attributes, as secret-tool does. */
import { lookupSecret } from '../../keyring/attribute-items.js';
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
  wantsNewline,
} from '../keyring-args.js';
import { CliExit } from '../usage-error.js';
import { decodeUtf8 } from '../../utf8.js';

const OPTIONS = { ...COMMON_OPTIONS, newline: { type: 'boolean' }, 'no-newline': { type: 'boolean' } } as const;

export const lookupCommand: Command = {
  name: 'lookup',
  summary: "Print the secret of an item with these attributes (secret-tool's lookup)",
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage lookup ATTRIBUTE VALUE [ATTRIBUTE VALUE …] [options]

secret-tool's lookup: prints the secret of an item whose attributes include every ATTRIBUTE VALUE pair given (an
unlocked one if there is one, else a locked one, unlocked through the keyring's prompt). For a password by service
and user name, whichever tool stored it, use 'secretstorage get SERVICE USERNAME'.

Options:
${COMMON_HELP}
                      ({"secret"} for text, {"base64"} for other bytes)
  --newline           end the output with a newline (default: only when stdout is a terminal)
  --no-newline        never end the output with a newline

Exit codes: 0 found, 1 nothing matched, 2 usage, 3 locked (prompt dismissed or impossible), 4 no keyring service.

Examples:
  secretstorage lookup service myapp username alice
  secretstorage lookup user-secrets-id 3f2a… key OPENAI_API_KEY
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, ATTRIBUTE_PAIRS);
    const attributes = parseAttributePairs('lookup', positionals);
    const newline = wantsNewline(values, io);
    const secret = await exitNotFound(lookupSecret(attributes, keyringOptions(values, io)));
    if (!secret) throw new CliExit(nothingMatched('lookup', positionals), EXIT.notFound);
    try {
      if (values.json) {
        const text = decodeUtf8(secret, true); // a leading BOM is part of the secret, as for Python keyring
        writeJson(io, text === undefined ? { base64: secret.toString('base64') } : { secret: text });
      } else {
        io.stdout.write(Buffer.from(secret));
        if (newline) io.stdout.write('\n');
      }
    } finally {
      secret.fill(0);
    }
    return EXIT.ok;
  },
};

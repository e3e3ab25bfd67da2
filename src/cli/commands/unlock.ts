/** `secretstorage unlock [--collection C] [--with-password]`: unlock through the keyring's prompt or a password. */
import { unlockCollection } from '../../keyring/collections.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { readSecret, writeJson } from '../io.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  keyringOptions,
  optionNames,
  parseCommandArgs,
  exitNotFound,
} from '../keyring-args.js';

const OPTIONS = { ...COMMON_OPTIONS, 'with-password': { type: 'boolean' } } as const;

export const unlockCommand: Command = {
  name: 'unlock',
  summary: "Unlock a collection through the keyring's prompt, or with its password",
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage unlock [--collection C] [--with-password] [options]

Unlocks the collection C (default: the "default" alias). Without --with-password the keyring shows its own unlock
prompt, which needs a graphical session; headless, gnome-keyring dismisses it at once and this exits 3. A collection
that is already unlocked is left as it is ("already unlocked"; a password given is not checked then, since the
keyring only checks one when it unlocks with it).

Options:
  --with-password     unlock with the collection's password, read from stdin or a no-echo prompt, without the
                      keyring's dialog (gnome-keyring and oo7-daemon only)
${COMMON_HELP}
                      ({"unlocked": path, "wasLocked", "passwordChecked"})

Exit codes: 0 unlocked, 1 no such collection, 2 usage, 3 prompt dismissed or impossible, 4 no keyring service,
7 password refused.

Examples:
  secretstorage unlock
  printf %s "$KEYRING_PASSWORD" | secretstorage unlock --collection login --with-password
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, OPTIONS, { min: 0, max: 0, names: 'no arguments' });
    const options = keyringOptions(values, io);
    let password: Buffer | undefined;
    if (values['with-password']) {
      password = await readSecret(io, { prompt: `Password for the collection ${values.collection ?? 'default'}: ` });
    }
    try {
      const { path, wasLocked } = await exitNotFound(
        unlockCollection({ ...options, ...(password ? { password } : {}) }),
      );
      if (values.json) {
        writeJson(io, { unlocked: path, wasLocked, ...(password ? { passwordChecked: wasLocked } : {}) });
      } else {
        io.stdout.write(`${wasLocked ? 'unlocked' : 'already unlocked'} ${path}\n`);
        if (password && !wasLocked) {
          io.stderr.write(
            'secretstorage unlock: the password was not checked: the collection was already unlocked, and the ' +
              'keyring checks a password only when it unlocks with it.\n',
          );
        }
      }
    } finally {
      password?.fill(0);
    }
    return EXIT.ok;
  },
};

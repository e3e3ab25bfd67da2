/** `user-secrets set KEY`: store one secret, its value from stdin or a no-echo prompt. */
import { EXIT } from '../../exit-codes.js';
import { readSecret, writeJson } from '../../io.js';
import { UsageError } from '../../usage-error.js';
import { note, withManager, type Subcommand } from './context.js';
import { decodeUtf8 } from '../../../utf8.js';

function decodeValue(bytes: Buffer): string {
  try {
    const text = decodeUtf8(bytes, true);
    if (text !== undefined) return text;
    throw new UsageError('the value read is not UTF-8 text; user secrets are environment variables, which hold text.');
  } finally {
    bytes.fill(0);
  }
}

export const setSubcommand: Subcommand = {
  name: 'set',
  summary: 'Store a secret (value from stdin or a no-echo prompt)',
  help: `set KEY [--init] [--allow-argv]
  Stores KEY. The value is read from stdin when it is not a terminal (one trailing newline stripped), else asked
  for without echo. \`set KEY=VALUE\` or \`set KEY VALUE\` (the python-env-secrets and dotnet habit) puts the value
  where other users can see it (ps, shell history), so it needs --allow-argv. --init creates the project id first
  if the project has none.`,
  options: { 'allow-argv': { type: 'boolean' }, init: { type: 'boolean' } },
  positionals: { min: 1, max: 2, names: 'KEY' },
  async run(context) {
    const { io, values, positionals } = context;
    let [key, value] = positionals as [string, string | undefined];
    const equals = key.indexOf('=');
    if (value === undefined && equals > 0) [key, value] = [key.slice(0, equals), key.slice(equals + 1)];
    if (value !== undefined) {
      if (!values['allow-argv']) {
        throw new UsageError(
          'refusing a secret on the command line (other users can read it in ps and your shell history keeps it): ' +
            `pipe it in (\`printf %s "$VALUE" | user-secrets set ${key}\`) or type it at the prompt; --allow-argv ` +
            'accepts it anyway.',
        );
      }
      note(io, 'user-secrets set: warning: the value was given on the command line, where others can see it.');
    }
    const secret = value ?? decodeValue(await readSecret(io, { prompt: `Value for ${key}: ` }));
    // Often an unset variable piped in (`printf %s "$TOKEN" |`) or a closed stdin: stored as asked, not silently.
    if (secret === '') note(io, `user-secrets set: warning: the value of ${key} is empty; storing it anyway.`);
    await withManager(context, (manager) => manager.set(key, secret), { init: Boolean(values.init) });
    if (values.json) writeJson(io, { key, stored: true });
    else note(io, `Saved ${key}.`);
    return EXIT.ok;
  },
};

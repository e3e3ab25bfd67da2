/** `user-secrets init`: give the project an id in its `.env`. */
import { initProjectId } from '../../../user-secrets/project-id.js';
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { note, type Subcommand } from './context.js';

export const initSubcommand: Subcommand = {
  name: 'init',
  summary: 'Give the project an id (ENV_SECRETS_ID in .env)',
  help: `init [--id UUID] [--force]
  Writes ENV_SECRETS_ID=<new UUID> into the project's .env (created with mode 0600 if missing), changing no other
  line. An existing ENV_SECRETS_ID (or python-env-secrets' older USER_SECRETS_ID) is kept and reported. --id sets
  a given UUID (e.g. the one another clone uses); replacing a different existing id also needs --force.`,
  options: { force: { type: 'boolean' } },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run({ io, values, projectDir }) {
    const result = await initProjectId(projectDir, { id: values.id, replace: Boolean(values.force) });
    if (values.json) {
      writeJson(io, result);
    } else if (!result.written) {
      note(io, `Already initialised: ${result.key}=${result.id} in ${result.envFile}`);
    } else {
      note(io, `Set ${result.key}=${result.id} in ${result.envFile}`);
      if (result.previousId) {
        note(
          io,
          `The secrets of the previous id ${result.previousId} stay in the keyring (use --id ${result.previousId}).`,
        );
      }
    }
    return EXIT.ok;
  },
};

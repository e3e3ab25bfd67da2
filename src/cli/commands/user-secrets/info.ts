/** `user-secrets info`: where the project's id and secrets are. */
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { withManager, type Subcommand } from './context.js';

export const infoSubcommand: Subcommand = {
  name: 'info',
  aliases: ['path'],
  summary: 'Show the project directory, id, storage and secret count',
  help: `info
  Shows the project directory, its .env, the id and which key held it, the keyring schema and collection, and how
  many secrets there are (names are read without unlocking). Exit 5 when the project has no id.`,
  options: {},
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(context) {
    const { io, values } = context;
    const info = await withManager(context, (manager) => manager.info());
    if (values.json) {
      writeJson(io, info);
      return EXIT.ok;
    }
    const source = info.idSource === 'option' ? '--id' : info.idSource;
    io.stdout.write(
      [
        `Project directory : ${info.projectDir}`,
        `.env file         : ${info.envFile} (${info.envFileExists ? 'exists' : 'missing'})`,
        `Project id        : ${info.id} (from ${source})`,
        `Keyring schema    : ${info.schema}`,
        `Collection        : ${info.collection ?? '(no default collection yet)'}`,
        `Secrets           : ${info.count}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

/** `user-secrets run -- CMD ARGS…`: run a command with the project's secrets in its environment. */
import { runWithSecrets } from '../../../user-secrets/run.js';
import { UsageError } from '../../usage-error.js';
import { note, withManager, type Subcommand } from './context.js';

export const runSubcommand: Subcommand = {
  name: 'run',
  summary: 'Run a command with the secrets in its environment',
  help: `run [--override] [--verbose] -- CMD [ARGS…]
  Runs CMD (no shell: use \`sh -c '…'\` for shell syntax) with the secrets added to its environment and exits
  with its exit code (ended by the same SIGINT, SIGTERM or SIGHUP that ended CMD, 128+N for another signal N; 127 if
  CMD is not found). A variable that is already set wins
  (as with dotenv and node --env-file); --override lets the secrets replace it (python-env-secrets' behaviour).
  Keys with ":" are set as "__" (Movies:ApiKey → Movies__ApiKey). SIGINT, SIGTERM and SIGHUP are passed on, but
  not a terminal's Ctrl-C or hang-up, which the terminal sends to CMD itself.
  --verbose lists on stderr which names were set and which were kept. Note: other processes of the same user can
  read a process's environment (/proc/PID/environ).`,
  options: { override: { type: 'boolean' }, verbose: { type: 'boolean' } },
  positionals: { min: 0, max: 0, names: 'options, then -- CMD [ARGS…]' },
  async run(context) {
    const { io, values, command } = context;
    if (command.length === 0)
      throw new UsageError('nothing to run: put the command after --, as in `user-secrets run -- node app.js`.');
    const secrets = await withManager(context, async (manager) => new Map(Object.entries(await manager.getAll())));
    const [program, ...args] = command;
    return runWithSecrets(program, args, secrets, {
      env: io.env,
      override: Boolean(values.override),
      onSignalled: io.commandSignalled,
      onEnvironment: ({ applied, kept, clashing }) => {
        if (!values.verbose) return;
        note(io, `user-secrets run: set ${applied.join(', ') || 'nothing'}`);
        if (kept.length) note(io, `user-secrets run: already set, kept: ${kept.join(', ')}`);
        if (clashing.length)
          note(io, `user-secrets run: not set (name clash after ":" → "__"): ${clashing.join(', ')}`);
      },
    });
  },
};

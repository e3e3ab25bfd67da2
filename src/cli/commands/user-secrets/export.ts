/** `user-secrets export`: write the secrets as a dotenv file or JSON, for backup or migration. */
import { writeFileAtomic } from '../../../fs/atomic-write.js';
import { dotenvParser } from '../../../user-secrets/dotenv-parse.js';
import { formatDotenv } from '../../../user-secrets/dotenv-format.js';
import { UnrepresentableValueError, UserSecretsError } from '../../../user-secrets/errors.js';
import { EXIT } from '../../exit-codes.js';
import { writeJson } from '../../io.js';
import { UsageError } from '../../usage-error.js';
import { note, withManager, type Subcommand } from './context.js';

export const exportSubcommand: Subcommand = {
  name: 'export',
  summary: 'Write the secrets as a dotenv file or JSON',
  help: `export [--format dotenv|json] [--output FILE [--force]] [--skip-unrepresentable]
  Prints (or writes to FILE, mode 0600, refusing to replace it without --force; - is standard output) every
  secret. dotenv output is quoted so that dotenv parses it back to the same strings: '…' when the value has no ',
  else \`…\`, else "…" (newlines and CRs as \\n and \\r), else bare. A value holding all three quote kinds plus a
  newline, #, or surrounding spaces has no dotenv form, nor has one with a CR when dotenv is not installed (Node's
  parser cannot read it back): export stops and names those keys (use --format json, or --skip-unrepresentable to
  leave them out). Keys with ":" are written with "__". JSON output is one flat object,
  as dotnet user-secrets reads it. --json alone prints that JSON; with --output it prints {file, format, count}.`,
  options: {
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    'skip-unrepresentable': { type: 'boolean' },
  },
  positionals: { min: 0, max: 0, names: 'no arguments' },
  async run(context) {
    const { io, values } = context;
    // `-o -` is standard output, as `import -` reads standard input.
    const output = values.output === '-' ? undefined : (values.output as string | undefined);
    // --json asks for JSON on stdout: the secrets themselves when they go there, else the report of the write.
    const format = (values.format as string | undefined) ?? (values.json && !output ? 'json' : 'dotenv');
    if (format !== 'dotenv' && format !== 'json')
      throw new UsageError(`--format expects dotenv or json, got ${JSON.stringify(format)}.`);
    if (values.json && !output && format !== 'json')
      throw new UsageError('--json prints the secrets as JSON; it cannot go with --format dotenv without --output.');
    const { id, secrets } = await withManager(context, async (manager) => ({
      id: manager.id,
      secrets: new Map(Object.entries(await manager.getAll())),
    }));
    let text: string;
    if (format === 'json') {
      text = `${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`;
    } else {
      // Without dotenv, the file is read back (by `import`, or an app's `node --env-file`) by Node's parser, which has
      // no way to write a carriage return: such a value is then one that cannot be exported.
      const dotenvInstalled = (await dotenvParser()).name === 'dotenv';
      const document = formatDotenv(secrets, `Secrets of user-secrets project ${id}. Do not commit this file.`, {
        carriageReturns: dotenvInstalled,
      });
      if (document.unrepresentable.length && !values['skip-unrepresentable']) {
        throw new UnrepresentableValueError(
          document.unrepresentable,
          `No dotenv quoting can carry the value of ${document.unrepresentable.join(', ')} exactly (it holds every ` +
            'quote kind plus a newline, "#" or surrounding spaces, or its name clashes after ":" → "__"' +
            (dotenvInstalled
              ? ''
              : ", or a carriage return, which Node's parser cannot read: dotenv is not installed") +
            '). Nothing was written. Use --format json, or --skip-unrepresentable to leave those keys out.',
        );
      }
      if (document.unrepresentable.length)
        note(io, `user-secrets export: left out ${document.unrepresentable.join(', ')}.`);
      for (const [key, name] of document.renamed) note(io, `user-secrets export: ${key} written as ${name}.`);
      text = document.text;
    }
    if (output === undefined) {
      if (io.stdout.isTTY) note(io, 'user-secrets export: warning: printing secrets to the terminal.');
      io.stdout.write(text);
      return EXIT.ok;
    }
    try {
      await writeFileAtomic(output, text, { mode: 0o600, exclusive: !values.force });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UsageError(`${output} already exists; pass --force to replace it.`);
      if (code === 'EINVAL') {
        throw new UsageError(`${(error as Error).message.replace(/\.$/, '')} (or none, for standard output).`);
      }
      throw new UserSecretsError(`Cannot write ${output} (${code ?? (error as Error).message}).`, { cause: error });
    }
    if (values.json) writeJson(io, { file: output, format, count: secrets.size });
    else note(io, `Wrote ${secrets.size} secret(s) to ${output}.`);
    return EXIT.ok;
  },
};

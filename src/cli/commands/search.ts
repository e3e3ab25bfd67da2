/** `secretstorage search [SERVICE] [--attr NAME=VALUE]…`: list matching items (secrets only when asked). */
import { searchItemDetails, type FoundItem } from '../../keyring/search.js';
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
  exitNotFound,
} from '../keyring-args.js';
import { CliExit, UsageError } from '../usage-error.js';

const OPTIONS = {
  ...COMMON_OPTIONS,
  attr: { type: 'string', multiple: true, short: 'a' },
  all: { type: 'boolean' },
  'show-secrets': { type: 'boolean' },
  unlock: { type: 'boolean' },
} as const;

function formatTime(seconds: number): string {
  return seconds
    ? new Date(seconds * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : '';
}

function formatItem(item: FoundItem, showSecrets: boolean): string {
  const lines = [item.path, `  label = ${item.label}`, `  locked = ${item.locked ? 'yes' : 'no'}`];
  lines.push(`  created = ${formatTime(item.created)}`, `  modified = ${formatTime(item.modified)}`);
  for (const [name, value] of Object.entries(item.attributes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`  attribute.${name} = ${value}`);
  }
  if (item.secret) {
    lines.push('text' in item.secret ? `  secret = ${item.secret.text}` : `  secret (base64) = ${item.secret.base64}`);
  } else if (showSecrets && item.locked) {
    lines.push('  secret: not read, the item is locked (add --unlock)');
  }
  return `${lines.join('\n')}\n`;
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'List items by service or attributes (secrets only with --show-secrets)',
  options: optionNames(OPTIONS),
  help: `Usage: secretstorage search [SERVICE] [--attr NAME=VALUE]... [options]

Lists the items whose attributes include service=SERVICE and every NAME=VALUE, in every collection (or one): path,
label, lock state, dates and attributes. Attributes are not secret and can be listed while locked. Secrets are shown
only with --show-secrets.

Options:
  --attr, -a NAME=VALUE  match this attribute too (repeatable)
  --all               list every item (no attribute filter)
  --show-secrets      also print the secrets of unlocked items (base64 when not UTF-8 text)
  --unlock            unlock the collections of locked items first (may show the keyring's prompt)
${COMMON_HELP}
                      (an array of {path,collection,label,locked,created,modified,attributes[,secret]})

Exit codes: 0 found, 1 nothing matched (unlike secret-tool, which exits 0), 2 usage, 3 locked, 4 no keyring service.

Examples:
  secretstorage search myapp
  secretstorage search --attr xdg:schema=org.freedesktop.Secret.Generic --json
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS, { min: 0, max: 1, names: '[SERVICE]' });
    const attributes = parseAttributes(values.attr);
    if (positionals[0] !== undefined) attributes.service = positionals[0];
    if (Object.keys(attributes).length === 0 && !values.all) {
      throw new UsageError('give a SERVICE or --attr NAME=VALUE to match, or --all to list every item.');
    }
    const items = await exitNotFound(
      searchItemDetails(attributes, {
        ...keyringOptions(values, io),
        withSecrets: values['show-secrets'],
        unlock: values.unlock,
      }),
    );
    if (values.json) {
      writeJson(
        io,
        items.map(({ secret, ...item }) => ({
          ...item,
          ...(secret ? ('text' in secret ? { secret: secret.text } : { secretBase64: secret.base64 }) : {}),
        })),
      );
    } else {
      io.stdout.write(items.map((item) => formatItem(item, Boolean(values['show-secrets']))).join('\n'));
    }
    if (items.length === 0) throw new CliExit('Nothing matched.', EXIT.notFound);
    return EXIT.ok;
  },
};

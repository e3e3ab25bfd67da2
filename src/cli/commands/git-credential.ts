/**
 * `secretstorage git-credential get|store|erase`: a git credential helper (`git config credential.helper
 * '!secretstorage git-credential'`) that stores what git-credential-libsecret stores. Reads git's description from
 * stdin; the work is done by src/git-credential/.
 */
import { eraseGitCredential, getGitCredential, storeGitCredential } from '../../git-credential/helper.js';
import { CredentialSyntaxError, formatCredential, parseCredential } from '../../git-credential/protocol.js';
import type { CliIO, Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';

const OPERATIONS = { get: getGitCredential, store: storeGitCredential, erase: eraseGitCredential };

/** stdin up to the first blank line (git's end of a description) or its end, as bytes (the caller wipes them). */
async function readDescription(io: CliIO): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = Buffer.alloc(0);
  for await (const chunk of io.stdin) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    total.fill(0);
    total = Buffer.concat(chunks);
    if (total[0] === 0x0a || total.includes('\n\n')) break;
  }
  for (const chunk of chunks) chunk.fill(0); // the password line, for store
  return total;
}

export const gitCredentialCommand: Command = {
  name: 'git-credential',
  summary: 'A git credential helper that stores what git-credential-libsecret stores',
  options: ['get', 'store', 'erase'],
  help: `Usage: secretstorage git-credential get|store|erase

A git credential helper: git runs it with the operation and writes the credential's description to its stdin
(protocol=, host=, path=, username=, password= lines; see git-credential(1)). Logins are kept in the keyring
exactly as git-credential-libsecret keeps them (schema org.gnome.keyring.NetworkPassword, attributes user,
protocol, server, port and object, label "Git: https://host/path"), so either helper finds what the other saved.

  get     print username= and password= for the description, when the keyring has them (and
          password_expiry_utc= and oauth_refresh_token= when stored with them, as git 2.41 and later send them)
  store   save the login (in the default collection, replacing the one with the same attributes); a password
          that is not UTF-8 is kept byte for byte, as git-credential-libsecret keeps it
  erase   delete the logins that match the description

Set it up (once, for every repository):
  git config --global credential.helper '!secretstorage git-credential'
or, without a global install, with the package's path:
  git config --global credential.helper "!node $(npm root -g)/secretstorage/dist/bundle/cli/bin.js git-credential"

Exit codes: 0 done (also when get finds nothing, and for an operation it does not know, as git asks), 1 the
description lacks what the operation needs (git-credential-libsecret's rule) or has a line without "=",
2 usage, 3 locked (prompt dismissed or impossible), 4 no keyring service.
`,
  async run(args, io) {
    const [operation, ...extra] = args;
    if (operation === undefined) throw new UsageError('expected an operation: get, store or erase.');
    if (extra.length > 0) throw new UsageError(`expected one operation, got ${args.length} arguments.`);
    // git may add operations: a helper ignores the ones it does not know.
    if (!Object.hasOwn(OPERATIONS, operation)) return EXIT.ok;
    let credential;
    const description = await readDescription(io);
    try {
      credential = parseCredential(description);
    } catch (error) {
      if (error instanceof CredentialSyntaxError) {
        io.stderr.write(`secretstorage git-credential: ${error.message}\n`);
        return EXIT.notFound;
      }
      throw error;
    } finally {
      description.fill(0);
    }
    try {
      const outcome = await OPERATIONS[operation as keyof typeof OPERATIONS](credential, { env: io.env });
      if (outcome.status === 'refused') {
        io.stderr.write(`secretstorage git-credential: ${outcome.reason}; nothing was done.\n`);
        return EXIT.notFound;
      }
      if (outcome.answer) {
        const answer = formatCredential(outcome.answer);
        // Written from a copy that the stream keeps; this one, and the answer's secrets, are wiped.
        io.stdout.write(Buffer.from(answer));
        answer.fill(0);
        outcome.answer.password?.fill(0);
        outcome.answer.oauthRefreshToken?.fill(0);
      }
      return EXIT.ok;
    } finally {
      credential.password?.fill(0);
      credential.oauthRefreshToken?.fill(0);
    }
  },
};

/**
 * Every CLI command, in the order `--help` lists them. Each command is one file in this folder, loaded only when it
 * runs (or when the whole list is shown): a process that runs `get` does not parse the code of `headless`, `copy` or
 * `user-secrets` and the parts of the library they use, which is most of the CLI's start-up time. The names here are
 * what finds a command; test/unit/cli-commands.test.ts checks that they are the ones each file declares.
 */
import type { Command } from '../command.js';

/** A command in the list: the names that find it, and its file. */
export interface CommandEntry {
  name: string;
  aliases?: string[];
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: 'get', load: async () => (await import('./get.js')).getCommand },
  { name: 'set', load: async () => (await import('./set.js')).setCommand },
  { name: 'delete', aliases: ['del', 'rm'], load: async () => (await import('./delete.js')).deleteCommand },
  { name: 'search', load: async () => (await import('./search.js')).searchCommand },
  { name: 'lookup', load: async () => (await import('./lookup.js')).lookupCommand },
  { name: 'store', load: async () => (await import('./store.js')).storeCommand },
  { name: 'clear', load: async () => (await import('./clear.js')).clearCommand },
  { name: 'lock', load: async () => (await import('./lock.js')).lockCommand },
  { name: 'unlock', load: async () => (await import('./unlock.js')).unlockCommand },
  { name: 'collections', load: async () => (await import('./collections.js')).collectionsCommand },
  { name: 'copy', load: async () => (await import('./copy.js')).copyCommand },
  { name: 'diagnose', aliases: ['doctor'], load: async () => (await import('./diagnose.js')).diagnoseCommand },
  { name: 'user-secrets', aliases: ['us'], load: async () => (await import('./user-secrets.js')).userSecretsCommand },
  { name: 'headless', load: async () => (await import('./headless.js')).headlessCommand },
  { name: 'git-credential', load: async () => (await import('./git-credential.js')).gitCredentialCommand },
  { name: 'completion', load: async () => (await import('./completion.js')).completionCommand(loadCommands) },
];

/** The command called `name` (or one of its aliases), not loaded yet. */
export function findCommand(name: string): CommandEntry | undefined {
  return commands.find((command) => command.name === name || command.aliases?.includes(name));
}

/** Every command, loaded, in the list's order (for the command list and shell completion). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(commands.map((command) => command.load()));
}

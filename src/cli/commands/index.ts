/** Every CLI command, in the order `--help` lists them. Each command is one file in this folder. */
import type { Command } from '../command.js';
import { clearCommand } from './clear.js';
import { collectionsCommand } from './collections.js';
import { completionCommand } from './completion.js';
import { copyCommand } from './copy.js';
import { deleteCommand } from './delete.js';
import { diagnoseCommand } from './diagnose.js';
import { getCommand } from './get.js';
import { gitCredentialCommand } from './git-credential.js';
import { headlessCommand } from './headless.js';
import { lockCommand } from './lock.js';
import { lookupCommand } from './lookup.js';
import { searchCommand } from './search.js';
import { setCommand } from './set.js';
import { storeCommand } from './store.js';
import { unlockCommand } from './unlock.js';
import { userSecretsCommand } from './user-secrets.js';

export const commands: Command[] = [
  getCommand,
  setCommand,
  deleteCommand,
  searchCommand,
  lookupCommand,
  storeCommand,
  clearCommand,
  lockCommand,
  unlockCommand,
  collectionsCommand,
  copyCommand,
  diagnoseCommand,
  userSecretsCommand,
  headlessCommand,
  gitCredentialCommand,
  completionCommand(() => commands),
];

/** Every CLI command, in the order `--help` lists them. Each command is one file in this folder. */
import type { Command } from '../command.js';
import { collectionsCommand } from './collections.js';
import { copyCommand } from './copy.js';
import { deleteCommand } from './delete.js';
import { diagnoseCommand } from './diagnose.js';
import { getCommand } from './get.js';
import { headlessCommand } from './headless.js';
import { lockCommand } from './lock.js';
import { searchCommand } from './search.js';
import { setCommand } from './set.js';
import { unlockCommand } from './unlock.js';
import { userSecretsCommand } from './user-secrets.js';

export const commands: Command[] = [
  getCommand,
  setCommand,
  deleteCommand,
  searchCommand,
  lockCommand,
  unlockCommand,
  collectionsCommand,
  copyCommand,
  diagnoseCommand,
  userSecretsCommand,
  headlessCommand,
];
